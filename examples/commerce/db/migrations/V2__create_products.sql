-- V2: the catalogue: categories and products.
--
-- Deliberate schema smells (see examples/commerce/README.md, do not "fix"):
--   shop.categories.category_id is a serial column (identity rule);
--   shop.products.category_id is a foreign key without an index (foreign-key index rule).

create table shop.categories (
    category_id serial,
    name        text        not null,
    slug        text        not null,
    created_at  timestamptz not null default now(),
    constraint categories_pkey primary key (category_id),
    constraint categories_slug_key unique (slug)
);

comment on table shop.categories is 'Product categories shown in the shop''s navigation.';
comment on column shop.categories.slug is 'URL path segment of the category; unique.';

create table shop.products (
    product_id  bigint generated always as identity,
    sku         text          not null,
    name        text          not null,
    description text,
    category_id integer,
    price       numeric(12,2) not null,
    stock       integer       not null default 0,
    active      boolean       not null default true,
    created_at  timestamptz   not null default now(),
    constraint products_pkey primary key (product_id),
    constraint products_sku_key unique (sku),
    constraint products_category_id_fkey foreign key (category_id) references shop.categories (category_id),
    constraint products_price_check check (price > 0),
    constraint products_stock_check check (stock >= 0)
);

comment on table shop.products is 'Things the shop sells.';
comment on column shop.products.sku is 'Stock keeping unit; the business key of a product.';
comment on column shop.products.price is 'Current unit price in EUR, taxes excluded. Order lines copy it.';
comment on column shop.products.stock is 'Units on hand in the warehouse.';
comment on column shop.products.active is 'False hides the product from the shop without deleting it.';
