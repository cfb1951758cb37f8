-- The nightly daily_podcasts job (issue 5) asks for the oldest stories without a podcast
-- (`SupabaseStore.list_stories_without_podcast`: podcast_key is null, order by created_at, id, limit N).
-- A partial index holds exactly that queue, so the query reads N index entries however many stories
-- already have their podcast.
create index if not exists stories_without_podcast
  on public.stories (created_at, id)
  where podcast_key is null;
