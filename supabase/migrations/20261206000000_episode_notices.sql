-- Which published episodes the family was told about (publish_podcast), one row per story: a re-run of
-- daily_podcasts or a redriven publish never notifies twice. A 'failed' row (nothing sent) may be claimed again.
create table public.episode_notices (
  story_id     text primary key,
  family_id    text not null,
  podcast_key  text not null,
  recipient    text not null,
  channel      text not null,
  status       text not null check (status in ('sending', 'sent', 'failed')),
  provider_id  text,
  error        text,
  attempts     integer not null default 1,
  claimed_at   timestamptz not null default now(),
  finished_at  timestamptz
);
create index episode_notices_family on public.episode_notices (family_id);

-- The send decision, atomically (as claim_quote_delivery): true when this caller may send.
create or replace function public.claim_episode_notice(
  p_story_id text, p_family_id text, p_podcast_key text, p_recipient text, p_channel text
) returns boolean
language plpgsql as $$
declare
  claimed integer;
begin
  insert into public.episode_notices (story_id, family_id, podcast_key, recipient, channel, status)
  values (p_story_id, p_family_id, p_podcast_key, p_recipient, p_channel, 'sending')
  on conflict (story_id) do update
    set podcast_key = excluded.podcast_key, recipient = excluded.recipient, channel = excluded.channel,
        status = 'sending', error = null, attempts = public.episode_notices.attempts + 1, claimed_at = now(),
        finished_at = null
    where public.episode_notices.status = 'failed';
  get diagnostics claimed = row_count;
  return claimed = 1;
end
$$;

alter table public.episode_notices enable row level security;
create policy "members read episode notices" on public.episode_notices
  for select to authenticated using (public.is_family_member(family_id));
grant select on public.episode_notices to authenticated;
grant all on public.episode_notices to service_role;
revoke all on public.episode_notices from anon;
revoke execute on function public.claim_episode_notice(text, text, text, text, text) from public, anon, authenticated;
grant execute on function public.claim_episode_notice(text, text, text, text, text) to service_role;
