-- An UNSAFE migration, kept outside db/migrations on purpose: `keel demo` and the tests lint it to show
-- what Keel catches before it reaches production. Do not move it into the migrations folder.
alter table shop.orders add column tracking_token uuid not null default gen_random_uuid();
create index orders_coupon_code_idx on shop.orders (coupon_code);
alter table shop.products alter column stock type bigint;
alter table shop.payments add constraint payments_amount_positive check (amount > 0);
alter table shop.customers rename column full_name to name;
