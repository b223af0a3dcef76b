-- Course search: the work per page is bounded, whatever the term.
--
-- Before, a page ranked every match (ts_rank over each matching course's tsvector) and sorted them
-- all before LIMIT: a broad term at 100,000 published courses read ~200,000 course rows per page
-- (~1.3 s), within reach of anon's 3 s statement timeout, and a crawler paging through it paid that
-- on every page.
--
-- The rule now: a query is ranked among its newest-published matching courses, at most 1,000
-- candidates (after the filters: category, price, rating, instructor). Ranking and keyset paging
-- (rank desc, id) work as before within those candidates; paging through a broad term ends after
-- 1,000 results. A term with fewer matches is unaffected. To reach older courses, narrow the query
-- or filter. Candidates are found newest first by walking courses_published_at_idx with the text
-- match as a filter when the term is broad, or through the GIN index when it is rare: the planner
-- sees the actual query and filters (dynamic SQL, planned per call), so both plans are available
-- and either stops after the candidate limit. A page reads at most a few thousand course rows.
-- Browsing without a query already walked courses_published_at_idx with LIMIT and is unchanged.

-- Security definer for the reason given in 20261123001100 (the GIN match must not sit behind
-- RLS's non-leakproof qual ordering). Checks its caller: nothing to check, it returns ids and ranks
-- of published courses only, which everyone may read.
create function private.match_published_courses(
  tsq tsquery,
  wanted_category text,
  min_price integer,
  max_price integer,
  min_rating numeric,
  wanted_instructor uuid,
  max_candidates integer
)
returns table (course_id uuid, rank real)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query execute $q$
    select m.id, ts_rank(m.search_document, $1)
    from (
      select c.id, c.search_document
      from public.courses c
      where c.is_published and c.search_document @@ $1
        and ($2::text is null or c.category = $2)
        and ($3::integer is null or c.price_cents >= $3)
        and ($4::integer is null or c.price_cents <= $4)
        and ($5::numeric is null or c.rating_avg >= $5)
        and ($6::uuid is null or c.instructor_id = $6)
      order by c.published_at desc, c.id
      limit $7
    ) m
  $q$ using tsq, wanted_category, min_price, max_price, min_rating, wanted_instructor, max_candidates;
end
$$;
comment on function private.match_published_courses(tsquery, text, integer, integer, numeric, uuid, integer) is
  'Ids and ts_rank of the newest max_candidates published courses matching tsq and the filters (search_courses joins them back under RLS).';

create or replace function public.search_courses(
  query text default null,
  category text default null,
  min_price_cents integer default null,
  max_price_cents integer default null,
  min_rating numeric default null,
  instructor_id uuid default null,
  after_rank real default null,
  after_id uuid default null,
  page_size integer default 20,
  after_published_at timestamptz default null
)
returns setof public.course_search_hit
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  wanted text := nullif(btrim(left(search_courses.query, 200)), '');
  tsq tsquery;
  page integer := least(greatest(coalesce(search_courses.page_size, 20), 1), 100);
begin
  if wanted is null then
    return query
      select c.id, c.slug, c.title, left(c.description, 280), c.category, c.level, c.price_cents,
             c.currency, c.rating_avg, c.rating_count, c.instructor_id, c.published_at, null::real
      from public.courses c
      where c.is_published
        and (search_courses.category is null or c.category = search_courses.category)
        and (search_courses.min_price_cents is null or c.price_cents >= search_courses.min_price_cents)
        and (search_courses.max_price_cents is null or c.price_cents <= search_courses.max_price_cents)
        and (search_courses.min_rating is null or c.rating_avg >= search_courses.min_rating)
        and (search_courses.instructor_id is null or c.instructor_id = search_courses.instructor_id)
        and (search_courses.after_published_at is null or search_courses.after_id is null
             or c.published_at < search_courses.after_published_at
             or (c.published_at = search_courses.after_published_at and c.id > search_courses.after_id))
      order by c.published_at desc, c.id
      limit page;
    return;
  end if;

  tsq := websearch_to_tsquery('simple'::regconfig, private.unaccent_text(wanted));
  if numnode(tsq) = 0 then
    return; -- nothing searchable in the query (only punctuation): no matches
  end if;

  return query
    select c.id, c.slug, c.title, left(c.description, 280), c.category, c.level, c.price_cents, c.currency,
           c.rating_avg, c.rating_count, c.instructor_id, c.published_at, m.rank
    from (
      select m.course_id, m.rank
      from private.match_published_courses(tsq, search_courses.category, search_courses.min_price_cents,
                                           search_courses.max_price_cents, search_courses.min_rating,
                                           search_courses.instructor_id, 1000) m
      where search_courses.after_rank is null or search_courses.after_id is null
         or m.rank < search_courses.after_rank
         or (m.rank = search_courses.after_rank and m.course_id > search_courses.after_id)
      order by m.rank desc, m.course_id
      limit page
    ) m
    join public.courses c on c.id = m.course_id
    where c.is_published
    order by m.rank desc, c.id;
end
$$;

drop function private.match_published_courses(tsquery);

revoke execute on function private.match_published_courses(tsquery, text, integer, integer, numeric, uuid, integer) from public;
grant execute on function private.match_published_courses(tsquery, text, integer, integer, numeric, uuid, integer)
  to anon, authenticated, service_role;
