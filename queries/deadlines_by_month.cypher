// description: Tasks of a jurisdiction per deadline month ('YYYY-MM' of the normalised deadline; 'ongoing' for 长期坚持/持续推进); tasks with no deadline left out.
// params: jurisdiction, limit=1000
// Tasks are reached through their plan (a task's jurisdiction is its
// document's): LadybugDB then scans the documents, not every task.
MATCH (d:Document)-[:CONTAINS]->(t:Task)
WHERE d.jurisdiction = $jurisdiction AND t.deadline <> ''
WITH t, CASE WHEN t.deadline = 'ongoing' THEN 'ongoing' ELSE left(t.deadline, 7) END AS month
RETURN t.jurisdiction AS jurisdiction, month, count(*) AS tasks
ORDER BY jurisdiction, month, tasks
LIMIT $limit
