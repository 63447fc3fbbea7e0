from django.contrib import admin

from weibao.core.admin import PhoneToFixFilter
from weibao.customers.models import Contact, Customer, Site


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "industry", "branch"]
    search_fields = ["code", "name"]
    list_select_related = ["branch"]
    raw_id_fields = ["organisation"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "customer", "region_tier", "region"]
    search_fields = ["name", "customer__name"]
    list_select_related = ["customer", "region"]
    raw_id_fields = ["customer", "organisation"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_filter = [PhoneToFixFilter]
    list_display = ["name", "customer", "role", "mobile", "email"]
    search_fields = ["name", "mobile", "phone", "email"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "organisation", "site"]
