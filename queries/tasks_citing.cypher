// description: Tasks citing a law or policy whose title contains the given words.
// params: title, limit=1000
MATCH (t:Task)-[:CITES]->(i:Instrument)
WHERE i.title CONTAINS $title
RETURN i.title AS instrument, t.id AS task_id, t.jurisdiction AS jurisdiction, t.year AS year
ORDER BY instrument, jurisdiction, year, task_id
LIMIT $limit
