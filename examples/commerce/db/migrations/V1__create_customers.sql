-- V1: the shop schema and its customers.
--
-- customers holds personal data (email, name, phone, birth date, postal address): the masking and
-- classification examples use it.
--
-- Deliberate schema smell (see examples/commerce/README.md, do not "fix"):
--   shop.customers."marketingOptIn" is a quoted camelCase identifier (naming rule).

create schema shop;

comment on schema shop is 'The sample online shop of Keel''s commerce example.';

create table shop.customers (
    customer_id      bigint generated always as identity,
    email            text        not null,
    full_name        text        not null,
    phone            text,
    date_of_birth    date,
    address_line1    text        not null,
    address_line2    text,
    city             text        not null,
    postal_code      text        not null,
    country_code     text        not null,
    "marketingOptIn" boolean     not null default false,
    created_at       timestamptz not null default now(),
    constraint customers_pkey primary key (customer_id),
    constraint customers_email_key unique (email),
    constraint customers_email_check check (email like '%_@_%'),
    constraint customers_country_code_check check (country_code ~ '^[A-Z]{2}$')
);

comment on table shop.customers is 'People who have an account with the shop. Contains personal data.';
comment on column shop.customers.email is 'Login and contact address; unique. Personal data.';
comment on column shop.customers.full_name is 'Name as the customer entered it. Personal data.';
comment on column shop.customers.phone is 'Contact phone number in free form. Personal data.';
comment on column shop.customers.date_of_birth is 'Used for age checks on restricted products. Personal data.';
comment on column shop.customers.country_code is 'ISO 3166-1 alpha-2 country of the postal address.';
comment on column shop.customers."marketingOptIn" is 'Whether the customer agreed to marketing email (named by an old ORM).';
