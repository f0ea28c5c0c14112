// description: Units ranked by mandate load: tasks led, then tasks assisted (units with no mandate left out).
// params: jurisdiction="", limit=20
// jurisdiction "" means every jurisdiction.
MATCH (u:Unit)
WHERE $jurisdiction = '' OR u.jurisdiction = $jurisdiction
OPTIONAL MATCH (u)-[:LEADS]->(l:Task)
WITH u, count(DISTINCT l) AS leads
OPTIONAL MATCH (u)-[:ASSISTS]->(a:Task)
WITH u, leads, count(DISTINCT a) AS assists
WHERE leads + assists > 0
RETURN u.id AS unit_id, u.name AS unit, u.jurisdiction AS jurisdiction, leads, assists
ORDER BY leads DESC, assists DESC, unit_id, unit, jurisdiction
LIMIT $limit
