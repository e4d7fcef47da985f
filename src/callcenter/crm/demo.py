"""Demo customers and contacts (demo data only): 张三 with mobile 13800138000 and the
vehicle 粤B12345, whom the README and the tests rely on, a few more customers (one a
company with two vehicles), and the contacts directory's first entries. Only what is
missing is created (by customer name and phone, vehicle plate, contact name).
"""

from __future__ import annotations

from callcenter.crm.customers import create_customer
from callcenter.crm.models import Contact, Customer, Vehicle

CUSTOMERS = [
    # name, kind, address, phones, vehicles (plate, VIN, model, battery)
    (
        "张三",
        "person",
        "深圳市福田区福华三路88号",
        [("13800138000", "mobile")],
        [("粤B12345", "LGXC16DF5N0012345", "比亚迪 秦PLUS EV", "磷酸铁锂 57 kWh")],
    ),
    (
        "李四",
        "person",
        "深圳市南山区科技园南区12栋",
        [("13912345678", "mobile"), ("075526881234", "home")],
        [("粤BD23456", "LSVAU2180N2123456", "大众 ID.4", "三元锂 84 kWh")],
    ),
    (
        "王五",
        "person",
        "广州市天河区天河路385号",
        [("13698765432", "mobile")],
        [],
    ),
    (
        "深圳市鹏程物流有限公司",
        "company",
        "深圳市宝安区西乡街道物流园3号",
        [("075529998888", "work"), ("13500135000", "mobile")],
        [
            ("粤B54321D", "LFV3A28K5N3054321", "宇通 E8 纯电动客车", "磷酸铁锂 258 kWh"),
            ("粤B67890", "LGBH52E05NY067890", "东风 EV200 厢式货车", "磷酸铁锂 81 kWh"),
        ],
    ),
]

CONTACTS = [
    # name, kind, organization, department, title, extension, phone, mobile, email
    ("周晓东", "internal", "客服中心", "一班", "班长", "70008", "", "13700137001", ""),
    ("李娜", "internal", "客服中心", "一班", "座席", "70001", "", "", ""),
    ("陈工", "external", "福田维修站", "维修一组", "站长", "", "075583001234", "13600136001", ""),
    ("刘经理", "external", "南山维修站", "", "经理", "", "075586005678", "13600136002", ""),
    (
        "GIS 值班室",
        "external",
        "车辆监控平台",
        "运维",
        "",
        "",
        "075588880000",
        "",
        "gis@example.cn",
    ),
]


def load() -> int:
    created = 0
    for name, kind, address, phones, vehicles in CUSTOMERS:
        customer = Customer.objects.filter(name=name, phones__number=phones[0][0]).first()
        if customer is None:
            customer = create_customer(None, name=name, kind=kind, address=address, phones=phones)
            created += 1
        for plate, vin, model, battery in vehicles:
            _vehicle, made = Vehicle.objects.get_or_create(
                plate=plate,
                defaults={"owner": customer, "vin": vin, "model": model, "battery": battery},
            )
            created += made
    for name, kind, organization, department, title, extension, phone, mobile, email in CONTACTS:
        _contact, made = Contact.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "organization": organization,
                "department": department,
                "title": title,
                "extension": extension,
                "phone": phone,
                "mobile": mobile,
                "email": email,
            },
        )
        created += made
    return created
