from django import forms

from weibao.customers.models import Contact, Customer, Site


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["code", "name", "industry", "address", "branch", "email_domains", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The code is the customer's key in other systems and in Excel imports; it does not change.
            self.fields["code"].disabled = True


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "address", "region_tier", "region", "timezone", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "role",
            "site",
            "mobile",
            "phone",
            "email",
            "wechat_id",
            "wecom_userid",
            "dingtalk_userid",
            "feishu_open_id",
            "is_primary",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = customer.sites.order_by("name")
