// description: Tasks of a jurisdiction that no unit leads.
// params: jurisdiction, limit=1000
// Tasks are reached through their plan (a task's jurisdiction is its
// document's), and the missing lead is a count of 0 rather than NOT (…): so
// LadybugDB expands from the jurisdiction's tasks instead of scanning them all.
MATCH (d:Document)-[:CONTAINS]->(t:Task)
WHERE d.jurisdiction = $jurisdiction
OPTIONAL MATCH (u:Unit)-[:LEADS]->(t)
WITH t, count(u) AS leads
WHERE leads = 0
RETURN t.id AS task_id, t.jurisdiction AS jurisdiction, t.year AS year, t.text AS text
ORDER BY jurisdiction, year, task_id, text
LIMIT $limit
