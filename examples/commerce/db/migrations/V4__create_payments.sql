-- V4: payments, partitioned by month of paid_at.
--
-- One partition per month of 2026 and a default partition that should stay empty; a non-empty
-- default partition means a month partition is missing. Rows must be inserted through
-- shop.payments: before PostgreSQL 17 the partitions do not inherit the identity column.

create table shop.payments (
    payment_id         bigint generated always as identity,
    order_id           bigint        not null,
    paid_at            timestamptz   not null,
    amount             numeric(12,2) not null,
    method             text          not null,
    provider_reference text          not null,
    constraint payments_pkey primary key (payment_id, paid_at),
    constraint payments_order_id_fkey foreign key (order_id) references shop.orders (order_id),
    constraint payments_amount_check check (amount > 0),
    constraint payments_method_check check (method in ('card', 'paypal', 'bank_transfer', 'gift_card'))
) partition by range (paid_at);

create index payments_order_id_idx on shop.payments (order_id);

comment on table shop.payments is 'Money received for orders; partitioned by month of paid_at.';
comment on column shop.payments.amount is 'Amount captured in EUR.';
comment on column shop.payments.method is 'card, paypal, bank_transfer or gift_card.';
comment on column shop.payments.provider_reference is 'The payment provider''s id of the transaction.';

create table shop.payments_2026_01 partition of shop.payments for values from ('2026-01-01 00:00:00+00') to ('2026-02-01 00:00:00+00');
create table shop.payments_2026_02 partition of shop.payments for values from ('2026-02-01 00:00:00+00') to ('2026-03-01 00:00:00+00');
create table shop.payments_2026_03 partition of shop.payments for values from ('2026-03-01 00:00:00+00') to ('2026-04-01 00:00:00+00');
create table shop.payments_2026_04 partition of shop.payments for values from ('2026-04-01 00:00:00+00') to ('2026-05-01 00:00:00+00');
create table shop.payments_2026_05 partition of shop.payments for values from ('2026-05-01 00:00:00+00') to ('2026-06-01 00:00:00+00');
create table shop.payments_2026_06 partition of shop.payments for values from ('2026-06-01 00:00:00+00') to ('2026-07-01 00:00:00+00');
create table shop.payments_2026_07 partition of shop.payments for values from ('2026-07-01 00:00:00+00') to ('2026-08-01 00:00:00+00');
create table shop.payments_2026_08 partition of shop.payments for values from ('2026-08-01 00:00:00+00') to ('2026-09-01 00:00:00+00');
create table shop.payments_2026_09 partition of shop.payments for values from ('2026-09-01 00:00:00+00') to ('2026-10-01 00:00:00+00');
create table shop.payments_2026_10 partition of shop.payments for values from ('2026-10-01 00:00:00+00') to ('2026-11-01 00:00:00+00');
create table shop.payments_2026_11 partition of shop.payments for values from ('2026-11-01 00:00:00+00') to ('2026-12-01 00:00:00+00');
create table shop.payments_2026_12 partition of shop.payments for values from ('2026-12-01 00:00:00+00') to ('2027-01-01 00:00:00+00');
create table shop.payments_default partition of shop.payments default;

comment on table shop.payments_default is 'Catches payments outside the monthly partitions; should stay empty.';
