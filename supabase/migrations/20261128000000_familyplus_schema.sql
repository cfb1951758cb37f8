-- Family+ story pipeline: the Store port's tables, semantic search and row level security.
--
-- Applies on Supabase and on any Postgres >= 15 with pgvector (the tests run it on PGlite). The pipeline
-- writes with the service-role key (which bypasses RLS); app users read their own families' rows.
-- Ids are text: the pipeline's ids (a UUID fits) travel in execution names and storage keys.

create schema if not exists extensions;
create extension if not exists vector with schema extensions;

-- Supabase provides these roles; a plain Postgres (tests) gets them here.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin bypassrls;
  end if;
end
$$;

-- --- tables ------------------------------------------------------------------------------------------

create table public.responses (
  id          text primary key,
  family_id   text not null,
  media_type  text check (media_type in ('text', 'audio')),
  prompt      text,
  text        text,
  audio_key   text,
  transcript  text,
  status      text not null default 'received'
              check (status in ('received', 'processing', 'completed', 'failed')),
  stage       text,
  error       text,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index responses_family_id on public.responses (family_id, created_at desc);

create table public.stories (
  id               text primary key,
  response_id      text not null unique references public.responses (id) on delete cascade,
  family_id        text not null,
  title            text not null,
  summary          text not null,
  narrative        text not null,
  podcast_key      text,
  podcast_seconds  double precision,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
create index stories_family_id on public.stories (family_id, created_at desc);

-- Derived rows carry family_id too, so each row level security policy is one indexed comparison.
create table public.value_tags (
  response_id  text not null references public.responses (id) on delete cascade,
  family_id    text not null,
  tag          text not null,
  score        double precision not null check (score between 0 and 1),
  evidence     jsonb not null default '[]'::jsonb,
  primary key (response_id, tag)
);
create index value_tags_family_id on public.value_tags (family_id);

create table public.wisdom (
  response_id  text not null references public.responses (id) on delete cascade,
  family_id    text not null,
  position     integer not null check (position >= 0),
  text         text not null,
  kind         text not null check (kind in ('advice', 'lesson')),
  tags         jsonb not null default '[]'::jsonb,
  primary key (response_id, position)
);
create index wisdom_family_id on public.wisdom (family_id);

create table public.quotes (
  story_id      text not null references public.stories (id) on delete cascade,
  family_id     text not null,
  position      integer not null check (position >= 0),
  text          text not null,
  start_offset  integer not null check (start_offset >= 0),
  end_offset    integer not null check (end_offset >= start_offset),
  score         double precision not null,
  primary key (story_id, position)
);
create index quotes_family_id on public.quotes (family_id);

create table public.response_embeddings (
  response_id  text primary key references public.responses (id) on delete cascade,
  family_id    text not null,
  model        text not null,
  embedding    extensions.vector(1536) not null,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);
create index response_embeddings_family_id on public.response_embeddings (family_id);
-- Approximate nearest neighbours by cosine distance (the `<=>` operator match_responses orders by).
create index response_embeddings_embedding_hnsw
  on public.response_embeddings using hnsw (embedding extensions.vector_cosine_ops);

-- Which app users belong to which family (row level security reads it; the backend maintains it).
create table public.family_members (
  family_id   text not null,
  user_id     text not null,
  created_at  timestamptz not null default now(),
  primary key (family_id, user_id)
);
create index family_members_user_id on public.family_members (user_id);

-- --- updated_at --------------------------------------------------------------------------------------

create or replace function public.touch_updated_at() returns trigger
language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create trigger responses_touch before update on public.responses
  for each row execute function public.touch_updated_at();
create trigger stories_touch before update on public.stories
  for each row execute function public.touch_updated_at();
create trigger response_embeddings_touch before update on public.response_embeddings
  for each row execute function public.touch_updated_at();

-- --- replace a whole set in one transaction (the Store port's replace_* semantics) --------------------
-- Each runs as one statement of one PostgREST request: all of the new set lands or none of it does.
-- An unknown parent id raises no_data_found (P0002), which the store reports as NotFoundError.

create or replace function public.replace_value_tags(p_response_id text, p_tags jsonb) returns void
language plpgsql security invoker set search_path = public as $$
declare
  v_family_id text;
begin
  select r.family_id into v_family_id from public.responses r where r.id = p_response_id;
  if v_family_id is null then
    raise exception using errcode = 'P0002', message = format('no response with id %L', p_response_id);
  end if;
  delete from public.value_tags where response_id = p_response_id;
  insert into public.value_tags (response_id, family_id, tag, score, evidence)
  select p_response_id, v_family_id, t.tag, t.score, coalesce(t.evidence, '[]'::jsonb)
  from jsonb_to_recordset(coalesce(p_tags, '[]'::jsonb)) as t (tag text, score double precision, evidence jsonb);
end
$$;

create or replace function public.replace_wisdom(p_response_id text, p_items jsonb) returns void
language plpgsql security invoker set search_path = public as $$
declare
  v_family_id text;
begin
  select r.family_id into v_family_id from public.responses r where r.id = p_response_id;
  if v_family_id is null then
    raise exception using errcode = 'P0002', message = format('no response with id %L', p_response_id);
  end if;
  delete from public.wisdom where response_id = p_response_id;
  insert into public.wisdom (response_id, family_id, position, text, kind, tags)
  select p_response_id, v_family_id, (e.n - 1)::integer, e.item ->> 'text', e.item ->> 'kind',
         coalesce(e.item -> 'tags', '[]'::jsonb)
  from jsonb_array_elements(coalesce(p_items, '[]'::jsonb)) with ordinality as e (item, n);
end
$$;

create or replace function public.replace_quotes(p_story_id text, p_quotes jsonb) returns void
language plpgsql security invoker set search_path = public as $$
declare
  v_family_id text;
begin
  select s.family_id into v_family_id from public.stories s where s.id = p_story_id;
  if v_family_id is null then
    raise exception using errcode = 'P0002', message = format('no story with id %L', p_story_id);
  end if;
  delete from public.quotes where story_id = p_story_id;
  insert into public.quotes (story_id, family_id, position, text, start_offset, end_offset, score)
  select p_story_id, v_family_id, (e.n - 1)::integer, e.item ->> 'text', (e.item ->> 'start')::integer,
         (e.item ->> 'end')::integer, (e.item ->> 'score')::double precision
  from jsonb_array_elements(coalesce(p_quotes, '[]'::jsonb)) with ordinality as e (item, n);
end
$$;

-- --- semantic search ---------------------------------------------------------------------------------
-- Nearest responses by cosine similarity, optionally within one family. security invoker: an app user
-- calling it sees only their families' rows (RLS); the service role sees all.

create or replace function public.match_responses(
  query_embedding extensions.vector(1536),
  family_id text default null,
  match_count integer default 10
) returns table (response_id text, response_family_id text, similarity double precision, snippet text)
language sql stable security invoker set search_path = public, extensions as $$
  select e.response_id,
         e.family_id,
         1 - (e.embedding <=> query_embedding) as similarity,
         left(coalesce(r.transcript, r.text, ''), 160) as snippet
  from public.response_embeddings e
  join public.responses r on r.id = e.response_id
  where match_responses.family_id is null or e.family_id = match_responses.family_id
  order by e.embedding <=> query_embedding
  limit greatest(match_count, 0)
$$;

-- --- row level security ------------------------------------------------------------------------------
-- An app user (role authenticated, JWT `sub` = user id) reads the rows of the families they belong to and
-- writes nothing; anon reads nothing; service_role bypasses RLS (the pipeline).

create or replace function public.request_user_id() returns text
language sql stable as $$
  -- What Supabase's auth.uid() reads, without depending on the auth schema (plain Postgres in tests).
  select nullif(coalesce(
    current_setting('request.jwt.claim.sub', true),
    current_setting('request.jwt.claims', true)::jsonb ->> 'sub'
  ), '')
$$;

create or replace function public.is_family_member(p_family_id text) returns boolean
language sql stable security definer set search_path = public as $$
  -- security definer: reads family_members whatever the caller may see of it (no policy recursion).
  select exists (
    select 1 from public.family_members m
    where m.family_id = p_family_id and m.user_id = public.request_user_id()
  )
$$;

alter table public.responses enable row level security;
alter table public.stories enable row level security;
alter table public.value_tags enable row level security;
alter table public.wisdom enable row level security;
alter table public.quotes enable row level security;
alter table public.response_embeddings enable row level security;
alter table public.family_members enable row level security;

create policy "members read responses" on public.responses
  for select to authenticated using (public.is_family_member(family_id));
create policy "members read stories" on public.stories
  for select to authenticated using (public.is_family_member(family_id));
create policy "members read value tags" on public.value_tags
  for select to authenticated using (public.is_family_member(family_id));
create policy "members read wisdom" on public.wisdom
  for select to authenticated using (public.is_family_member(family_id));
create policy "members read quotes" on public.quotes
  for select to authenticated using (public.is_family_member(family_id));
create policy "members read embeddings" on public.response_embeddings
  for select to authenticated using (public.is_family_member(family_id));
create policy "users read their memberships" on public.family_members
  for select to authenticated using (user_id = public.request_user_id());

grant usage on schema public, extensions to anon, authenticated, service_role;
grant select on all tables in schema public to authenticated;
grant all on all tables in schema public to service_role;
revoke all on all tables in schema public from anon;
revoke execute on function public.replace_value_tags(text, jsonb), public.replace_wisdom(text, jsonb),
  public.replace_quotes(text, jsonb) from public, anon, authenticated;
grant execute on function public.replace_value_tags(text, jsonb), public.replace_wisdom(text, jsonb),
  public.replace_quotes(text, jsonb) to service_role;
grant execute on function public.match_responses(extensions.vector, text, integer),
  public.request_user_id(), public.is_family_member(text) to authenticated, service_role;
