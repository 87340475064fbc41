-- U2: undo V2__create_products.sql.

drop table shop.products;

drop table shop.categories;
