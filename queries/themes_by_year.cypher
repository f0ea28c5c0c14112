// description: How many tasks each theme has, per plan year of a jurisdiction.
// params: jurisdiction, limit=1000
// Tasks are reached through their plan (a task's jurisdiction and year are
// its document's): LadybugDB then scans the documents, not every task.
MATCH (d:Document)-[:CONTAINS]->(t:Task)-[:IN_THEME]->(th:Theme)
WHERE d.jurisdiction = $jurisdiction
RETURN t.jurisdiction AS jurisdiction, t.year AS year, th.pref_label AS theme, count(DISTINCT t) AS tasks
ORDER BY jurisdiction, year, tasks DESC, theme
LIMIT $limit
