// description: Pairs of units that lead the same tasks together, with how many (unit_a is the one with the smaller id).
// params: jurisdiction=""
MATCH (a:Unit)-[:LEADS]->(t:Task)<-[:LEADS]-(b:Unit)
WHERE a.id < b.id AND ($jurisdiction = '' OR t.jurisdiction = $jurisdiction)
WITH a, b, count(DISTINCT t) AS shared
RETURN a.name AS unit_a, b.name AS unit_b, shared
ORDER BY shared DESC, unit_a, unit_b
