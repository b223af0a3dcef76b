-- Course search: full-text search over published courses, with filters and keyset paging.
--
-- courses.search_document is a stored generated tsvector: title (weight A) > category (B) >
-- description (C), in the 'simple' configuration (no language-specific stemming or stop
-- words: course titles mix languages and product names) over unaccented text, so "resume"
-- finds "Résumé". unaccent() is only STABLE (its dictionary could change), so it is wrapped
-- in an IMMUTABLE function, the usual way to use it in an index or generated column.
--
-- public.search_courses() is SECURITY INVOKER, so RLS applies on top of its own
-- is_published filter. With a query, results are ordered by ts_rank desc, then id: a total
-- order, and the cursor is the last row's (rank, id), so paging is stable under concurrent
-- inserts (no offsets). Without a query, courses are listed newest-published first, then id,
-- with the cursor (published_at, id): pass after_published_at and after_id (rank is null).
-- page_size is clamped to 1..100; the query text to 200 characters.
--
-- Why a security definer helper for the text match: under RLS, Postgres evaluates the
-- policy's quals before any non-leakproof user qual, and `@@` is not leakproof, so with
-- RLS on courses the GIN index could never be used and every search would scan the table.
-- private.match_published_courses() does only the indexed match, over published courses
-- (public data: ids and ranks), and search_courses() joins its ids back to public.courses
-- with the caller's rights, so RLS still decides which rows are returned.

create function private.unaccent_text(value text)
returns text
language plpgsql
immutable
parallel safe
strict
set search_path = ''
as $$
begin
  return extensions.unaccent('extensions.unaccent'::regdictionary, value);
end
$$;
comment on function private.unaccent_text(text) is
  'IMMUTABLE wrapper of extensions.unaccent for generated columns, indexes and search queries.';

create function private.course_search_document(title text, category text, description text)
returns tsvector
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  return setweight(to_tsvector('simple'::regconfig, private.unaccent_text(coalesce(title, ''))), 'A')
      || setweight(to_tsvector('simple'::regconfig, private.unaccent_text(coalesce(category, ''))), 'B')
      || setweight(to_tsvector('simple'::regconfig, private.unaccent_text(coalesce(description, ''))), 'C');
end
$$;
comment on function private.course_search_document(text, text, text) is 'The weighted tsvector stored in courses.search_document.';

alter table public.courses
  add column search_document tsvector
  generated always as (private.course_search_document(title, category, description)) stored;

create index courses_search_document_idx on public.courses using gin (search_document) where is_published;

-- Security definer: lets the GIN index serve the match despite RLS (see header). Checks
-- its caller: there is nothing caller-specific to check, it only returns ids and ranks of
-- published courses, which everyone (anon included) may read.
create function private.match_published_courses(tsq tsquery)
returns table (course_id uuid, rank real)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
    select c.id, ts_rank(c.search_document, tsq)
    from public.courses c
    where c.is_published and c.search_document @@ tsq;
end
$$;
comment on function private.match_published_courses(tsquery) is
  'Ids and ts_rank of published courses matching tsq, using the GIN index (search_courses joins them back under RLS).';

create type public.course_search_hit as (
  id uuid,
  slug text,
  title text,
  excerpt text,
  category text,
  level text,
  price_cents integer,
  currency text,
  rating_avg numeric,
  rating_count integer,
  instructor_id uuid,
  published_at timestamptz,
  rank real
);
comment on type public.course_search_hit is 'A row of search_courses(): excerpt is the first 280 characters of the description; rank is null when browsing without a query.';

create function public.search_courses(
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
    select h.id, h.slug, h.title, h.excerpt, h.category, h.level, h.price_cents, h.currency,
           h.rating_avg, h.rating_count, h.instructor_id, h.published_at, h.rank
    from (
      select c.id, c.slug, c.title, left(c.description, 280) as excerpt, c.category, c.level,
             c.price_cents, c.currency, c.rating_avg, c.rating_count, c.instructor_id,
             c.published_at, m.rank
      from private.match_published_courses(tsq) m
      join public.courses c on c.id = m.course_id
      where c.is_published
        and (search_courses.category is null or c.category = search_courses.category)
        and (search_courses.min_price_cents is null or c.price_cents >= search_courses.min_price_cents)
        and (search_courses.max_price_cents is null or c.price_cents <= search_courses.max_price_cents)
        and (search_courses.min_rating is null or c.rating_avg >= search_courses.min_rating)
        and (search_courses.instructor_id is null or c.instructor_id = search_courses.instructor_id)
    ) h
    where search_courses.after_rank is null or search_courses.after_id is null
       or h.rank < search_courses.after_rank
       or (h.rank = search_courses.after_rank and h.id > search_courses.after_id)
    order by h.rank desc, h.id
    limit page;
end
$$;
comment on function public.search_courses(text, text, integer, integer, numeric, uuid, real, uuid, integer, timestamptz) is
  'RPC: search published courses. Next page: pass the last row''s rank and id (after_rank, after_id), or, without a query, its published_at and id (after_published_at, after_id).';

revoke execute on function private.unaccent_text(text) from public;
revoke execute on function private.course_search_document(text, text, text) from public;
revoke execute on function private.match_published_courses(tsquery) from public;
revoke execute on function public.search_courses(text, text, integer, integer, numeric, uuid, real, uuid, integer, timestamptz)
  from public, anon, authenticated, service_role;

grant execute on function private.unaccent_text(text) to anon, authenticated, service_role;
grant execute on function private.course_search_document(text, text, text) to authenticated, service_role;
grant execute on function private.match_published_courses(tsquery) to anon, authenticated, service_role;
grant execute on function public.search_courses(text, text, integer, integer, numeric, uuid, real, uuid, integer, timestamptz)
  to anon, authenticated, service_role;
