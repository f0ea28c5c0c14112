// description: Pairs of units that lead the same tasks of a jurisdiction together, with how many (unit_a is the one with the smaller id).
// params: jurisdiction, limit=1000
// Tasks are reached through their plan (a task's jurisdiction is its
// document's): LadybugDB then scans the documents, not every task.
MATCH (d:Document)-[:CONTAINS]->(t:Task)
WHERE d.jurisdiction = $jurisdiction
MATCH (a:Unit)-[:LEADS]->(t)<-[:LEADS]-(b:Unit)
WHERE a.id < b.id
WITH a, b, count(DISTINCT t) AS shared
RETURN a.name AS unit_a, b.name AS unit_b, shared
ORDER BY shared DESC, unit_a, unit_b
LIMIT $limit
