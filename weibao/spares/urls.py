from django.urls import path

from weibao.spares import views

app_name = "spares"

urlpatterns = [
    path("", views.index, name="index"),
    path("my-van/", views.my_van, name="my_van"),
    path("warehouses/new/", views.warehouse_new, name="warehouse_new"),
    path("warehouses/<int:pk>/", views.warehouse, name="warehouse"),
    path("warehouses/<int:pk>/stock.xlsx", views.warehouse_export, name="warehouse_export"),
    path("warehouses/<int:pk>/min-level/", views.min_level, name="min_level"),
    path("parts/", views.part_list, name="part_list"),
    path("parts/search/", views.part_search, name="part_search"),
    path("parts/new/", views.part_edit, name="part_new"),
    path("parts/<int:pk>/", views.part_edit, name="part"),
    path("receive/", views.receive, name="receive"),
    path("write-off/", views.write_off, name="write_off"),
    path("repaired/", views.repaired, name="repaired"),
    path("transfer/", views.transfer, name="transfer"),
    path("transfers/<int:pk>/receive/", views.transfer_receive, name="transfer_receive"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("import/", views.import_start, name="import_start"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("orders/<int:pk>/", views.order_parts, name="order_parts"),
    path("orders/<int:pk>/panel/", views.order_panel, name="order_panel"),
    path("orders/<int:pk>/issue/", views.order_issue, name="order_issue"),
    path("orders/<int:pk>/return/", views.order_return, name="order_return"),
    path("orders/<int:pk>/reserve/", views.order_reserve, name="order_reserve"),
    path("orders/<int:pk>/quote/", views.order_to_quote, name="order_to_quote"),
    path("sales/", views.sale_list, name="sale_list"),
    path("sales/new/", views.sale_new, name="sale_new"),
    path("sales/<int:pk>/", views.sale_detail, name="sale"),
    path("sales/<int:pk>/approve/", views.sale_approve, name="sale_approve"),
    path("sales/<int:pk>/issue/", views.sale_issue, name="sale_issue"),
    path("sales/<int:pk>/invoice/", views.sale_invoice, name="sale_invoice"),
    path("sales/<int:pk>/cancel/", views.sale_cancel, name="sale_cancel"),
    path("sales/<int:pk>/answer/", views.sale_answer, name="sale_answer"),
    path("sales/<int:pk>/link/", views.sale_link, name="sale_link"),
    path("sales/answer/<str:token>/", views.sale_link_answer, name="sale_link_answer"),  # one-time link: no login
]
