-- V5: an append-only log of what happened in the shop.
--
-- Deliberate schema smell (see examples/commerce/README.md, do not "fix"):
--   shop.audit_events has no primary key (primary-key rule).

create table shop.audit_events (
    occurred_at timestamptz not null default now(),
    actor       text        not null,
    action      text        not null,
    entity_type text        not null,
    entity_id   bigint,
    ip_address  inet,
    details     jsonb       not null default '{}'
);

create index audit_events_occurred_at_idx on shop.audit_events (occurred_at);

comment on table shop.audit_events is 'Append-only log of actions by customers, staff and jobs; rows are never updated.';
comment on column shop.audit_events.actor is 'Who acted: customer:<id>, staff:<login> or system.';
comment on column shop.audit_events.ip_address is 'Client address of the request, if any. Personal data.';
