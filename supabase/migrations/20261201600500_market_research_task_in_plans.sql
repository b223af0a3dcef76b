-- Plans: allow the new market-research task (the sales-call analyser's "search market").
--
-- Every plan that allows sales-call-analysis gets market-research too; it is metered like any
-- task (requests and tokens of the plan). Data only; admission itself is unchanged.

update public.plans
set allowed_tasks = array_append(allowed_tasks, 'market-research')
where 'sales-call-analysis' = any (allowed_tasks)
  and not ('market-research' = any (allowed_tasks));
