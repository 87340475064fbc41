-- What CatalogDiffIT does to the base schema: the actual database drifts from the expected one.
alter table shop.customers alter column score type bigint;
alter table shop.customers alter column score set default 10;
alter table shop.customers alter column nickname set not null;
alter table shop.customers alter column name drop not null;
alter table shop.customers alter column created_at drop default;
alter table shop.customers add column phone text;

alter table shop.orders drop column note;
drop view shop.big_customers;
drop view shop.order_summary;
alter table shop.orders alter column amount type numeric(14,2);
create view shop.order_summary as
select o.customer_id, count(*) as orders, sum(o.amount) as total, max(o.placed_at) as last_order
from shop.orders o
group by o.customer_id;
-- big_customers comes back as it was, trigger included: it is not a difference.
create view shop.big_customers as
select customer_id from shop.order_summary where total > 1000;
create trigger big_customers_no_write instead of insert on shop.big_customers
    for each row execute function shop.no_write();

create view shop.recent_orders as
select order_id, customer_id, placed_at from shop.orders where placed_at > now() - interval '1 day';
create or replace view shop.todays_orders as
select order_id, customer_id from shop.recent_orders;

drop index shop.orders_customer_idx;
create index orders_status_idx on shop.orders (status);
alter table shop.orders drop constraint orders_amount_check;
alter table shop.orders add constraint orders_amount_check check (amount > 0);

create or replace function shop.touch() returns trigger language plpgsql as $$
begin
    new.placed_at := clock_timestamp();
    return new;
end
$$;
drop trigger orders_touch on shop.orders;

alter type shop.order_status add value 'cancelled';
alter sequence shop.invoice_no increment by 5;

revoke select on shop.orders from keel_diff_reporting;
drop policy orders_positive on shop.orders;

alter table shop.payments detach partition shop.payments_2025;
alter table shop.payments attach partition shop.payments_2025 for values from ('2025-01-01') to ('2027-01-01');

create table shop.coupons (
    code    text primary key,
    percent integer not null check (percent between 1 and 100)
);
drop table shop.legacy;

alter table shop.products drop column price_cents;
alter table shop.products add column price_cents bigint generated always as ((price * 1000)::bigint) stored;
create index products_price_cents_idx on shop.products (price_cents);
revoke select (price) on shop.products from keel_diff_reporting;

alter domain shop.email add constraint email_length check (length(value) > 3);
alter type shop.address add attribute zip text;
drop procedure shop.archive(timestamptz);
alter table shop.orders drop constraint orders_customer_id_fkey;
comment on table shop.customers is 'Buyers.';
