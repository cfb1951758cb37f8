-- Daily quote delivery (issue 5): which families receive a quote (timezone, recipient) and one delivery row
-- per family and local date. The pipeline writes with the service-role key; members read their family's rows.

create table public.quote_families (
  id          text primary key,
  timezone    text not null,          -- IANA name, validated by the pipeline (zoneinfo)
  recipient   text not null,          -- E.164 phone number for Twilio SMS
  active      boolean not null default true,
  updated_at  timestamptz not null default now()
);

create table public.quote_deliveries (
  family_id    text not null,
  local_date   date not null,         -- the family's own calendar day
  quote_key    text not null,
  quote_text   text not null,
  recipient    text not null,
  channel      text not null,
  status       text not null check (status in ('sending', 'sent', 'failed')),
  provider_id  text,
  error        text,
  attempts     integer not null default 1,
  claimed_at   timestamptz not null default now(),
  finished_at  timestamptz,
  primary key (family_id, local_date)
);
create index quote_deliveries_recent on public.quote_deliveries (family_id, local_date desc);

-- The send decision, atomically: claim the family's day as 'sending' unless it is already claimed; a
-- 'failed' day (nothing was sent) may be claimed again. Returns true when this caller may send.
create or replace function public.claim_quote_delivery(
  p_family_id text, p_local_date date, p_quote_key text, p_quote_text text, p_recipient text, p_channel text
) returns boolean
language plpgsql as $$
declare
  claimed integer;
begin
  insert into public.quote_deliveries (family_id, local_date, quote_key, quote_text, recipient, channel, status)
  values (p_family_id, p_local_date, p_quote_key, p_quote_text, p_recipient, p_channel, 'sending')
  on conflict (family_id, local_date) do update
    set quote_key = excluded.quote_key, quote_text = excluded.quote_text, recipient = excluded.recipient,
        channel = excluded.channel, status = 'sending', error = null,
        attempts = public.quote_deliveries.attempts + 1, claimed_at = now(), finished_at = null
    where public.quote_deliveries.status = 'failed';
  get diagnostics claimed = row_count;
  return claimed = 1;
end
$$;

alter table public.quote_families enable row level security;
alter table public.quote_deliveries enable row level security;
create policy "members read quote families" on public.quote_families
  for select to authenticated using (public.is_family_member(id));
create policy "members read quote deliveries" on public.quote_deliveries
  for select to authenticated using (public.is_family_member(family_id));

grant select on public.quote_families, public.quote_deliveries to authenticated;
grant all on public.quote_families, public.quote_deliveries to service_role;
revoke all on public.quote_families, public.quote_deliveries from anon;
revoke execute on function public.claim_quote_delivery(text, date, text, text, text, text)
  from public, anon, authenticated;
grant execute on function public.claim_quote_delivery(text, date, text, text, text, text) to service_role;
