// description: Units that lead or assist the same tasks as the given unit (of the given jurisdiction, matched by name or alias), with how many tasks they share.
// params: unit, jurisdiction, limit=1000
MATCH (u:Unit)-[:LEADS|ASSISTS]->(t:Task)<-[:LEADS|ASSISTS]-(o:Unit)
WHERE u.jurisdiction = $jurisdiction AND (u.name = $unit OR $unit IN u.aliases) AND o.id <> u.id
WITH u, o, count(DISTINCT t) AS shared
RETURN u.name AS unit, o.name AS other_unit, shared
ORDER BY shared DESC, other_unit, unit
LIMIT $limit
