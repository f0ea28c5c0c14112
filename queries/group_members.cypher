// description: Group units (e.g. 市级有关单位) and the member units listed for them.
// params: jurisdiction="", limit=1000
// `group` is a reserved word in LadybugDB: backquoted, the column is still "group".
MATCH (m:Unit)-[:MEMBER_OF]->(g:Unit)
WHERE $jurisdiction = '' OR g.jurisdiction = $jurisdiction
RETURN g.id AS group_id, g.name AS `group`, m.id AS member_id, m.name AS member
ORDER BY group_id, member_id, `group`, member
LIMIT $limit
