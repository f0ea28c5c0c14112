// description: Chains of CONTINUES edges that carry one task across at least min_years plan years: each maximal chain once, from its first task (nothing continues into it) to its last (it continues nowhere); years counts the tasks on the chain.
// params: min_years=3
MATCH p = (s:Task)-[:CONTINUES*1..20]->(e:Task)
WHERE NOT (:Task)-[:CONTINUES]->(s) AND NOT (e)-[:CONTINUES]->(:Task)
WITH s, e, length(p) + 1 AS years
WHERE years >= $min_years
RETURN s.id AS start_id, e.id AS end_id, years
ORDER BY years DESC, start_id, end_id
