-- Sample data for the commerce example.
--
-- Plain SQL, no psql meta-commands: Keel runs it through JDBC, and `psql -f` runs it as well.
-- Deterministic: every "random" value is derived from the md5 of a key naming the row and the
-- attribute (for example 'order.customer.42'), so two runs at the same scale produce the same rows,
-- whatever the session's seed, time zone or plan.
--
-- Scale: the custom setting keel.scale (an integer, default 1).
--   psql:  PGOPTIONS='-c keel.scale=5' psql -v ON_ERROR_STOP=1 -d commerce -f data/generate.sql
--   SQL:   set keel.scale = 5;   (in the same session, before running this file)
-- At scale 1: 12 categories, 1,000 customers, 200 products, 5,000 orders, about 15,000 order lines,
-- about 4,500 payments (all in the 2026 monthly partitions) and about 10,500 audit events.
-- Everything but the categories grows linearly with the scale.
--
-- It replaces all data in schema shop (TRUNCATE ... RESTART IDENTITY CASCADE), in one transaction,
-- and ends with ANALYZE.

begin;

-- Helpers live in pg_temp (dropped at the end, and in any case with the session): nothing but data
-- is added to schema shop.

-- A pseudo-random number in [0, 1) determined by key.
create or replace function pg_temp.keel_rand(key text) returns double precision
    language sql immutable strict
as $$ select ('x' || substr(md5(key), 1, 7))::bit(28)::int / 268435456.0::double precision $$;

-- An element of arr chosen by key.
create or replace function pg_temp.keel_pick(arr text[], key text) returns text
    language sql immutable strict
as $$ select arr[1 + floor(pg_temp.keel_rand(key) * array_length(arr, 1))::int] $$;

-- The scale factor: keel.scale, default 1.
create or replace function pg_temp.keel_scale() returns int
    language sql stable
as $$ select greatest(1, coalesce(nullif(current_setting('keel.scale', true), ''), '1')::int) $$;

truncate shop.audit_events, shop.payments, shop.order_lines, shop.orders, shop.products,
         shop.categories, shop.customers
    restart identity cascade;

-- Categories: a fixed list, with the nouns their products are named after.

create temporary table keel_catalogue (category_id int, name text, slug text, nouns text[]) on commit drop;

insert into keel_catalogue (category_id, name, slug, nouns) values
    (1,  'Apparel',     'apparel',     array['T-Shirt', 'Hoodie', 'Rain Jacket', 'Scarf', 'Beanie', 'Sweater']),
    (2,  'Footwear',    'footwear',    array['Sneakers', 'Hiking Boots', 'Sandals', 'Slippers', 'Running Shoes']),
    (3,  'Kitchen',     'kitchen',     array['Chef''s Knife', 'Cutting Board', 'Frying Pan', 'Espresso Cups', 'Teapot', 'Salad Bowl']),
    (4,  'Home',        'home',        array['Throw Blanket', 'Cushion Cover', 'Table Lamp', 'Wall Clock', 'Candle Set']),
    (5,  'Garden',      'garden',      array['Watering Can', 'Pruning Shears', 'Seed Kit', 'Planter', 'Garden Gloves']),
    (6,  'Books',       'books',       array['Cookbook', 'Field Guide', 'Travel Journal', 'Sketchbook', 'Atlas']),
    (7,  'Toys',        'toys',        array['Puzzle', 'Building Blocks', 'Kite', 'Board Game', 'Plush Bear']),
    (8,  'Sports',      'sports',      array['Yoga Mat', 'Water Bottle', 'Jump Rope', 'Resistance Bands', 'Tennis Balls']),
    (9,  'Electronics', 'electronics', array['Headphones', 'Power Bank', 'USB Cable', 'Bluetooth Speaker', 'Desk Charger']),
    (10, 'Office',      'office',      array['Notebook', 'Fountain Pen', 'Desk Organizer', 'Paper Tray', 'Stapler']),
    (11, 'Beauty',      'beauty',      array['Hand Cream', 'Lip Balm', 'Soap Bar', 'Face Serum', 'Shampoo']),
    (12, 'Pets',        'pets',        array['Dog Leash', 'Cat Toy', 'Pet Bed', 'Food Bowl', 'Chew Bone']);

insert into shop.categories (category_id, name, slug, created_at)
select category_id, name, slug, timestamptz '2023-05-01 09:00:00+00' + category_id * interval '1 hour'
from keel_catalogue
order by category_id;

-- Customers: names from small lists, addresses in a dozen cities, emails on reserved domains.

insert into shop.customers (customer_id, email, full_name, phone, date_of_birth, address_line1,
                            address_line2, city, postal_code, country_code, "marketingOptIn", created_at)
overriding system value
select i,
       lower(fn) || '.' || lower(ln) || i || '@' || pg_temp.keel_pick(array['example.com', 'example.net', 'example.org', 'mail.test'], 'customer.domain.' || i),
       fn || ' ' || ln,
       case when pg_temp.keel_rand('customer.phone?.' || i) < 0.15 then null
            else '+1-555-' || lpad(floor(pg_temp.keel_rand('customer.phone.' || i) * 10000)::int::text, 4, '0') end,
       case when pg_temp.keel_rand('customer.dob?.' || i) < 0.10 then null
            else date '1950-01-01' + floor(pg_temp.keel_rand('customer.dob.' || i) * 20000)::int end,
       (1 + floor(pg_temp.keel_rand('customer.house.' || i) * 180)::int) || ' '
           || pg_temp.keel_pick(array['Station Road', 'Market Street', 'Mill Lane', 'Church Street', 'Park Avenue',
                                      'Linden Way', 'Harbour Road', 'Orchard Close', 'High Street', 'River Walk',
                                      'Elm Grove', 'Castle Hill'], 'customer.street.' || i),
       case when pg_temp.keel_rand('customer.line2?.' || i) < 0.2
            then 'Apt ' || (1 + floor(pg_temp.keel_rand('customer.line2.' || i) * 60)::int) end,
       split_part(city, '|', 1),
       split_part(city, '|', 3)
           || lpad(floor(pg_temp.keel_rand('customer.postal.' || i) * 1000)::int::text, split_part(city, '|', 4)::int - length(split_part(city, '|', 3)), '0'),
       split_part(city, '|', 2),
       pg_temp.keel_rand('customer.optin.' || i) < 0.35,
       timestamptz '2024-01-01 00:00:00+00' + floor(pg_temp.keel_rand('customer.created.' || i) * 730 * 86400) * interval '1 second'
from (select i,
             pg_temp.keel_pick(array['Anna', 'Ben', 'Clara', 'David', 'Emma', 'Felix', 'Grace', 'Hugo', 'Ida', 'Jonas',
                                     'Karin', 'Leo', 'Maria', 'Noah', 'Olivia', 'Paul', 'Quinn', 'Rosa', 'Samuel', 'Tara',
                                     'Umar', 'Vera', 'William', 'Xenia', 'Yusuf', 'Zoe', 'Amir', 'Lucia', 'Mateo', 'Nina'],
                               'customer.first.' || i) as fn,
             pg_temp.keel_pick(array['Smith', 'Meyer', 'Garcia', 'Rossi', 'Janssen', 'Dubois', 'Novak', 'Berg', 'Costa', 'Keller',
                                     'Lindqvist', 'Moreau', 'Nowak', 'Ortiz', 'Peters', 'Quist', 'Romano', 'Schmidt', 'Tanaka', 'Usman',
                                     'Vogel', 'Walsh', 'Young', 'Zimmermann', 'Andersen', 'Brennan', 'Castillo', 'Fischer', 'Horvat', 'Jensen'],
                               'customer.last.' || i) as ln,
             -- city|country|postal prefix|postal length
             pg_temp.keel_pick(array['Berlin|DE|10|5', 'Munich|DE|80|5', 'Hamburg|DE|20|5', 'Paris|FR|75|5', 'Lyon|FR|69|5',
                                     'Madrid|ES|28|5', 'Milan|IT|20|5', 'Vienna|AT|1|4', 'Amsterdam|NL|10|4', 'Brussels|BE|10|4',
                                     'Copenhagen|DK|1|4', 'Boston|US|02|5'],
                               'customer.city.' || i) as city
      from generate_series(1, 1000 * pg_temp.keel_scale()) as i) as c;

-- Products: a category's noun with an adjective; prices skew cheap; a few inactive, out of stock or
-- uncategorized.

insert into shop.products (product_id, sku, name, description, category_id, price, stock, active, created_at)
overriding system value
select i,
       'SKU-' || lpad(i::text, 6, '0'),
       adjective || ' ' || noun,
       adjective || ' ' || lower(noun) || ' from our ' || lower(cat.name) || ' range.',
       case when pg_temp.keel_rand('product.uncategorized.' || i) < 0.03 then null else cat.category_id end,
       round((4.99 + power(pg_temp.keel_rand('product.price.' || i), 2) * 295)::numeric, 2),
       case when pg_temp.keel_rand('product.soldout.' || i) < 0.05 then 0
            else floor(pg_temp.keel_rand('product.stock.' || i) * 500)::int end,
       pg_temp.keel_rand('product.inactive.' || i) >= 0.05,
       timestamptz '2023-06-01 00:00:00+00' + floor(pg_temp.keel_rand('product.created.' || i) * 900 * 86400) * interval '1 second'
from (select i,
             1 + floor(pg_temp.keel_rand('product.category.' || i) * (select count(*) from keel_catalogue))::int as category_id,
             pg_temp.keel_pick(array['Classic', 'Organic', 'Compact', 'Deluxe', 'Everyday', 'Nordic', 'Vintage', 'Urban',
                                     'Recycled', 'Handmade', 'Premium', 'Travel'], 'product.adjective.' || i) as adjective
      from generate_series(1, 200 * pg_temp.keel_scale()) as i) as p
join keel_catalogue as cat on cat.category_id = p.category_id
cross join lateral (select pg_temp.keel_pick(cat.nouns, 'product.noun.' || p.i) as noun) as n;

-- Orders and their lines, in one statement so an order's amounts are the sum of its lines.
-- A few customers and products are much more popular than the rest; orders are placed during 2026.

with dims as (
    select (select count(*) from shop.customers) as n_customers,
           (select count(*) from shop.products)  as n_products
), o as (
    select n,
           1 + (floor(power(pg_temp.keel_rand('order.customer.' || n), 1.6) * d.n_customers)::bigint * 7919) % d.n_customers as customer_id,
           timestamptz '2026-01-01 00:00:00+00'
               + floor(pg_temp.keel_rand('order.placed.' || n) * 364 * 86400) * interval '1 second' as placed_at,
           pg_temp.keel_rand('order.status.' || n) as status_draw,
           1 + floor(pg_temp.keel_rand('order.lines.' || n) * 5)::int as line_count,
           d.n_products
    from generate_series(1, 5000 * pg_temp.keel_scale()) as n
    cross join dims as d
), l as (
    select o.n as order_id,
           k as line_no,
           pr.product_id,
           1 + floor(power(pg_temp.keel_rand('line.quantity.' || o.n || '.' || k), 3) * 4)::int as quantity,
           pr.price as unit_price
    from o
    cross join lateral generate_series(1, o.line_count) as k
    join shop.products as pr
      on pr.product_id = 1 + (floor(power(pg_temp.keel_rand('line.product.' || o.n || '.' || k), 1.5) * o.n_products)::bigint * 7919) % o.n_products
), s as (
    select order_id, sum(quantity * unit_price) as subtotal
    from l
    group by order_id
), new_orders as (
    insert into shop.orders (order_id, customer_id, status, placed_at, updated_at, shipped_at,
                             subtotal, shipping_fee, tax, coupon_code)
    overriding system value
    select o.n, o.customer_id, st.status, o.placed_at,
           case st.status
               when 'pending' then o.placed_at
               when 'shipped' then sh.shipped + floor(pg_temp.keel_rand('order.updated.' || o.n) * 3600) * interval '1 second'
               when 'delivered' then sh.shipped + floor((1 + pg_temp.keel_rand('order.updated.' || o.n) * 5) * 86400) * interval '1 second'
               else o.placed_at + floor((1 + pg_temp.keel_rand('order.updated.' || o.n) * 47) * 3600) * interval '1 second' end,
           -- the warehouse records local time (the timestamp-without-time-zone smell)
           case when st.status in ('shipped', 'delivered') then sh.shipped at time zone 'Europe/Berlin' end,
           s.subtotal,
           case when s.subtotal >= 50 then 0 else 4.95 end,
           round(s.subtotal * 0.19, 2),
           case when pg_temp.keel_rand('order.coupon?.' || o.n) < 0.1
                then pg_temp.keel_pick(array['WELCOME10', 'SPRING26', 'FREESHIP', 'LOYAL15'], 'order.coupon.' || o.n) end
    from o
    join s on s.order_id = o.n
    cross join lateral (select (case when o.status_draw < 0.08 then 'pending'
                                     when o.status_draw < 0.15 then 'cancelled'
                                     when o.status_draw < 0.25 then 'paid'
                                     when o.status_draw < 0.40 then 'shipped'
                                     else 'delivered' end)::shop.order_status as status) as st
    cross join lateral (select o.placed_at + (2 + floor(pg_temp.keel_rand('order.shipped.' || o.n) * 70)) * interval '1 hour' as shipped) as sh
    order by o.n
)
insert into shop.order_lines (order_line_id, order_id, product_id, quantity, unit_price)
overriding system value
select row_number() over (order by order_id, line_no), order_id, product_id, quantity, unit_price
from l
order by order_id, line_no;

-- Payments for every paid, shipped or delivered order, within an hour of placing it; one in twenty
-- is split between a gift card and a card. All land in the 2026 monthly partitions.

insert into shop.payments (payment_id, order_id, paid_at, amount, method, provider_reference)
overriding system value
select row_number() over (order by o.order_id, part.no),
       o.order_id,
       o.placed_at + (30 + floor(pg_temp.keel_rand('payment.delay.' || o.order_id) * 3000) + part.no) * interval '1 second',
       case when not split then o.total
            when part.no = 1 then round(o.total * 0.3, 2)
            else o.total - round(o.total * 0.3, 2) end,
       m.method,
       case m.method
           when 'paypal' then 'PAYID-' || upper(substr(md5('payment.ref.' || o.order_id || '.' || part.no), 1, 20))
           when 'bank_transfer' then 'SEPA-' || upper(substr(md5('payment.ref.' || o.order_id || '.' || part.no), 1, 16))
           else 'pi_' || substr(md5('payment.ref.' || o.order_id || '.' || part.no), 1, 24) end
from shop.orders as o
cross join lateral (select pg_temp.keel_rand('payment.split.' || o.order_id) < 0.05 as split) as sp
cross join lateral generate_series(1, case when sp.split then 2 else 1 end) as part(no)
cross join lateral (select case when sp.split and part.no = 1 then 'gift_card'
                                when sp.split then 'card'
                                else pg_temp.keel_pick(array['card', 'card', 'card', 'card', 'card', 'card', 'card',
                                                             'paypal', 'paypal', 'bank_transfer'],
                                                       'payment.method.' || o.order_id) end as method) as m
where o.status in ('paid', 'shipped', 'delivered')
order by o.order_id, part.no;

-- Audit events: sign-ups, placed orders and captured payments.

insert into shop.audit_events (occurred_at, actor, action, entity_type, entity_id, ip_address, details)
select occurred_at, actor, action, entity_type, entity_id, ip_address, details
from (
    select c.created_at as occurred_at,
           'customer:' || c.customer_id as actor,
           'customer.signed_up' as action,
           'customer' as entity_type,
           c.customer_id as entity_id,
           ('203.0.113.' || (1 + floor(pg_temp.keel_rand('audit.ip.c.' || c.customer_id) * 254)::int))::inet as ip_address,
           jsonb_build_object('marketing_opt_in', c."marketingOptIn") as details
    from shop.customers as c
    union all
    select o.placed_at,
           'customer:' || o.customer_id,
           'order.placed',
           'order',
           o.order_id,
           ('198.51.100.' || (1 + floor(pg_temp.keel_rand('audit.ip.o.' || o.order_id) * 254)::int))::inet,
           jsonb_build_object('total', o.total, 'coupon_code', o.coupon_code)
    from shop.orders as o
    union all
    select p.paid_at,
           'system',
           'payment.captured',
           'payment',
           p.payment_id,
           null,
           jsonb_build_object('order_id', p.order_id, 'amount', p.amount, 'method', p.method)
    from shop.payments as p
) as e
order by occurred_at, entity_type, entity_id;

-- Identity and serial sequences continue after the generated ids.

select setval(pg_get_serial_sequence('shop.categories', 'category_id'), (select coalesce(max(category_id), 0) + 1 from shop.categories), false) as categories,
       setval(pg_get_serial_sequence('shop.customers', 'customer_id'), (select coalesce(max(customer_id), 0) + 1 from shop.customers), false) as customers,
       setval(pg_get_serial_sequence('shop.products', 'product_id'), (select coalesce(max(product_id), 0) + 1 from shop.products), false) as products,
       setval(pg_get_serial_sequence('shop.orders', 'order_id'), (select coalesce(max(order_id), 0) + 1 from shop.orders), false) as orders,
       setval(pg_get_serial_sequence('shop.order_lines', 'order_line_id'), (select coalesce(max(order_line_id), 0) + 1 from shop.order_lines), false) as order_lines,
       setval(pg_get_serial_sequence('shop.payments', 'payment_id'), (select coalesce(max(payment_id), 0) + 1 from shop.payments), false) as payments;

drop function pg_temp.keel_pick(text[], text);
drop function pg_temp.keel_rand(text);
drop function pg_temp.keel_scale();

commit;

analyze shop.categories, shop.customers, shop.products, shop.orders, shop.order_lines, shop.payments, shop.audit_events;
