// description: Tasks that no unit leads.
// params: jurisdiction=""
MATCH (t:Task)
WHERE ($jurisdiction = '' OR t.jurisdiction = $jurisdiction) AND NOT (:Unit)-[:LEADS]->(t)
RETURN t.id AS task_id, t.jurisdiction AS jurisdiction, t.year AS year, t.text AS text
ORDER BY jurisdiction, year, task_id, text
