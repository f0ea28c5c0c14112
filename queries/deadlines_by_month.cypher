// description: Tasks per deadline month ('YYYY-MM' of the normalised deadline; 'ongoing' for 长期坚持/持续推进) per jurisdiction; tasks with no deadline left out.
// params: jurisdiction=""
MATCH (t:Task)
WHERE t.deadline <> '' AND ($jurisdiction = '' OR t.jurisdiction = $jurisdiction)
WITH t, CASE WHEN t.deadline = 'ongoing' THEN 'ongoing' ELSE left(t.deadline, 7) END AS month
RETURN t.jurisdiction AS jurisdiction, month, count(*) AS tasks
ORDER BY jurisdiction, month, tasks
