// description: Tasks of a jurisdiction between two plan years: a from_year task is continued (it has a CONTINUES edge to a to_year task) or dropped; a to_year task with no CONTINUES from a from_year task is new.
// params: jurisdiction, from_year:int, to_year:int
MATCH (t:Task)
WHERE t.jurisdiction = $jurisdiction AND (t.year = $from_year OR t.year = $to_year)
OPTIONAL MATCH (t)-[:CONTINUES]->(n:Task)
WHERE t.year = $from_year AND n.year = $to_year AND n.jurisdiction = $jurisdiction
WITH t, count(DISTINCT n) AS nexts
OPTIONAL MATCH (p:Task)-[:CONTINUES]->(t)
WHERE t.year = $to_year AND p.year = $from_year AND p.jurisdiction = $jurisdiction
WITH t, nexts, count(DISTINCT p) AS prevs
WITH t, CASE WHEN t.year = $from_year AND nexts > 0 THEN 'continued'
             WHEN t.year = $from_year THEN 'dropped'
             WHEN prevs = 0 THEN 'new'
             ELSE '' END AS status
WHERE status <> ''
RETURN t.id AS task_id, t.year AS year, status
ORDER BY year, status, task_id
