// description: Tasks of a jurisdiction between two plan years, with each CONTINUES link and its score: a from_year task is continued (a row per link to a to_year task) or dropped; a to_year task is continued (a row per link from a from_year task) or new. other_task is the linked task ("" when none), score the link's score (0 when none); the link's evidence is on the CONTINUES edge.
// params: jurisdiction, from_year:int, to_year:int, limit=1000
// Tasks are reached through their plan (a task's jurisdiction and year are
// its document's); the links are those of either direction whose other end
// is a task of the jurisdiction in the other year (CONTINUES runs from the
// earlier year to the later), and a task with none keeps one row (OPTIONAL).
MATCH (d:Document)-[:CONTAINS]->(t:Task)
WHERE d.jurisdiction = $jurisdiction AND (d.year = $from_year OR d.year = $to_year)
OPTIONAL MATCH (t)-[c:CONTINUES]-(o:Task)
WHERE o.jurisdiction = $jurisdiction
  AND ((t.year = $from_year AND o.year = $to_year) OR (t.year = $to_year AND o.year = $from_year))
RETURN t.id AS task_id, t.year AS year,
       CASE WHEN o IS NOT NULL THEN 'continued' WHEN t.year = $from_year THEN 'dropped' ELSE 'new' END AS status,
       coalesce(o.id, '') AS other_task, coalesce(c.score, 0.0) AS score
ORDER BY year, status, task_id, other_task, score
LIMIT $limit
