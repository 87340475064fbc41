-- V3: orders and their lines, and a trigger that keeps orders.updated_at current.
--
-- Deliberate schema smell (see examples/commerce/README.md, do not "fix"):
--   shop.orders.shipped_at is a timestamp without time zone (type rule).

create type shop.order_status as enum ('pending', 'paid', 'shipped', 'delivered', 'cancelled');

comment on type shop.order_status is 'Life cycle of an order: pending -> paid -> shipped -> delivered, or cancelled.';

create table shop.orders (
    order_id     bigint generated always as identity,
    customer_id  bigint            not null,
    status       shop.order_status not null default 'pending',
    placed_at    timestamptz       not null default now(),
    updated_at   timestamptz       not null default now(),
    shipped_at   timestamp,
    subtotal     numeric(12,2)     not null default 0,
    shipping_fee numeric(12,2)     not null default 0,
    tax          numeric(12,2)     not null default 0,
    total        numeric(12,2)     generated always as (subtotal + shipping_fee + tax) stored,
    constraint orders_pkey primary key (order_id),
    constraint orders_customer_id_fkey foreign key (customer_id) references shop.customers (customer_id),
    constraint orders_amounts_check check (subtotal >= 0 and shipping_fee >= 0 and tax >= 0)
);

create index orders_customer_id_idx on shop.orders (customer_id);
create index orders_placed_at_idx on shop.orders (placed_at);

comment on table shop.orders is 'A customer''s order; the amounts are copied from its lines when it is placed.';
comment on column shop.orders.status is 'Where the order is in its life cycle.';
comment on column shop.orders.updated_at is 'Last change to the row; maintained by the orders_set_updated_at trigger.';
comment on column shop.orders.shipped_at is 'When the warehouse handed the parcel over, in the warehouse''s local time.';
comment on column shop.orders.total is 'subtotal + shipping_fee + tax, computed by PostgreSQL.';

create table shop.order_lines (
    order_line_id bigint generated always as identity,
    order_id      bigint        not null,
    product_id    bigint        not null,
    quantity      integer       not null,
    unit_price    numeric(12,2) not null,
    line_total    numeric(12,2) generated always as (quantity * unit_price) stored,
    constraint order_lines_pkey primary key (order_line_id),
    constraint order_lines_order_id_fkey foreign key (order_id) references shop.orders (order_id) on delete cascade,
    constraint order_lines_product_id_fkey foreign key (product_id) references shop.products (product_id),
    constraint order_lines_quantity_check check (quantity > 0),
    constraint order_lines_unit_price_check check (unit_price >= 0)
);

create index order_lines_order_id_idx on shop.order_lines (order_id);
create index order_lines_product_id_idx on shop.order_lines (product_id);

comment on table shop.order_lines is 'One product in an order; deleted with its order.';
comment on column shop.order_lines.unit_price is 'The product''s price when the order was placed.';

create function shop.set_updated_at() returns trigger
    language plpgsql
as $$
begin
    new.updated_at := now();
    return new;
end;
$$;

comment on function shop.set_updated_at() is 'Trigger function: sets updated_at to the transaction''s start time.';

create trigger orders_set_updated_at
    before update on shop.orders
    for each row
    execute function shop.set_updated_at();
