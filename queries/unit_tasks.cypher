// description: A unit's tasks across years, with its role in each; the unit (of the given jurisdiction) is matched by its name or any alias.
// params: unit, jurisdiction, limit=1000
// One OPTIONAL MATCH per relationship type, switched on by `role`, stands in
// for type(r), which LadybugDB lacks.
MATCH (u:Unit)
WHERE u.jurisdiction = $jurisdiction AND (u.name = $unit OR $unit IN u.aliases)
UNWIND ['lead', 'assist'] AS role
OPTIONAL MATCH (u)-[:LEADS]->(l:Task) WHERE role = 'lead'
OPTIONAL MATCH (u)-[:ASSISTS]->(a:Task) WHERE role = 'assist'
WITH role, l, a
WHERE l IS NOT NULL OR a IS NOT NULL
RETURN DISTINCT coalesce(l.year, a.year) AS year, role, coalesce(l.id, a.id) AS task_id,
       coalesce(l.text, a.text) AS text
ORDER BY year, role, task_id, text
LIMIT $limit
