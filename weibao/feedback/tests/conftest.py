import pytest


@pytest.fixture
def close_order(manager, field_engineer, duty_engineer):
    """A closed order through the real services: intake, dispatch, resolve, close."""
    from weibao.workorders import services as svc
    from weibao.workorders.tests.factories import make_workorder

    def make(site, *, severity="B", engineer=None, rating=None, **kwargs):
        engineer = engineer or field_engineer
        wo = make_workorder(
            site=site,
            severity=severity,
            actor=duty_engineer,
            reporter_name="王经理",
            reporter_phone="13800000001",
            **kwargs,
        )
        wo = svc.workorder_dispatch(workorder=wo, actor=manager, engineer=engineer)
        if rating is not None:
            from weibao.onsite import services as onsite
            from weibao.onsite.tests.conftest import signature_png

            onsite.service_form_save(
                workorder=wo, actor=engineer, data={"satisfaction": rating, "inspection": "已检查"}
            )
            wo.refresh_from_db()
            onsite.service_form_sign(
                workorder=wo,
                actor=engineer,
                customer_name="王主任",
                customer_signature=signature_png(),
                engineer_signature=signature_png(),
            )
            wo.refresh_from_db()
        wo = svc.workorder_resolve(workorder=wo, actor=engineer, resolution="更换电源模块")
        return svc.workorder_close(workorder=wo, actor=manager, reason_code="customer_confirmed")

    return make


@pytest.fixture
def order_a(close_order, site_a):
    return close_order(site_a)


@pytest.fixture
def order_b(close_order, site_b):
    return close_order(site_b)
