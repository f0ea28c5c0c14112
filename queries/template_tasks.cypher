// description: Tasks that follow a template shared across jurisdictions: similar_jurisdictions counts the distinct other jurisdictions linked by SIMILAR_TO (either direction); kept when at least min_jurisdictions - 1.
// params: min_jurisdictions=2
MATCH (t:Task)-[:SIMILAR_TO]-(o:Task)
WHERE o.jurisdiction <> t.jurisdiction
WITH t, count(DISTINCT o.jurisdiction) AS similar_jurisdictions
WHERE similar_jurisdictions >= $min_jurisdictions - 1
RETURN t.id AS task_id, t.jurisdiction AS jurisdiction, similar_jurisdictions
ORDER BY similar_jurisdictions DESC, task_id, jurisdiction
