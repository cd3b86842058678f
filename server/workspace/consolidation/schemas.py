"""What the consolidation endpoints take and answer."""

from marshmallow import ValidationError, fields, validate, validates_schema

from sync.quantity import parse_milli
from sync.records import CATEGORIES

from ...web.schemas import BaseSchema, CalendarDate, Name, RegionCode, Uuid

DEFAULT_CAPACITY_KG = "3000"
MAX_CAPACITY_G = 1_000_000 * 1000  # 1,000 t: more is a typo, not a truck
MAX_PRODUCT_IDS = 1000
MAX_EDITS = 500


class Quantity(fields.String):
    """A positive exact decimal as text, at most 3 places ("12.5"); loaded as thousandths."""

    def _deserialize(self, value, attr, data, **kwargs):
        milli = parse_milli(value)
        if milli is None:
            raise ValidationError("invalid_decimal")
        if milli <= 0:
            raise ValidationError("out_of_range")
        return milli


class Capacity(Quantity):
    """Capacity in kg as a decimal string; loaded as grams."""

    def _deserialize(self, value, attr, data, **kwargs):
        grams = super()._deserialize(value, attr, data, **kwargs)
        if grams > MAX_CAPACITY_G:
            raise ValidationError("out_of_range")
        return grams


class ProposeSchema(BaseSchema):
    category = fields.String(validate=validate.OneOf(CATEGORIES), metadata={"example": "coffee"})
    product_ids = fields.List(
        Uuid(),
        validate=validate.Length(min=1, max=MAX_PRODUCT_IDS),
        metadata={"description": "Products to plan from, instead of (or within) a category."},
    )
    region = RegionCode(required=True, metadata={"example": "32.04"})
    capacity_kg = Capacity(
        load_default=parse_milli(DEFAULT_CAPACITY_KG), metadata={"example": "3000", "description": "Default 3000."}
    )
    port = Name(required=True, metadata={"example": "Tanjung Priok"})
    date = CalendarDate(required=True, metadata={"example": "2026-12-05"})

    @validates_schema
    def _category_or_products(self, data, **kwargs):
        if "category" not in data and "product_ids" not in data:
            raise ValidationError("required", field_name="category")


class LineEditSchema(BaseSchema):
    line_id = fields.Integer(strict=True, metadata={"description": "A line of the plan to change or remove."})
    product_id = Uuid(metadata={"description": "A product to add as a new line."})
    qty = Quantity(metadata={"description": "The line's new quantity in the product's unit.", "example": "120"})
    remove = fields.Boolean(load_default=False)

    @validates_schema
    def _one_target(self, data, **kwargs):
        if ("line_id" in data) == ("product_id" in data):
            raise ValidationError("required", field_name="line_id")
        if not data["remove"] and "qty" not in data:
            raise ValidationError("required", field_name="qty")
        if data["remove"] and "product_id" in data:
            raise ValidationError("invalid", field_name="remove")


class LinesPatchSchema(BaseSchema):
    lines = fields.List(fields.Nested(LineEditSchema), required=True, validate=validate.Length(min=1, max=MAX_EDITS))


class ListArgs(BaseSchema):
    status = fields.String(validate=validate.OneOf(["draft", "shipped", "cancelled"]))
    limit = fields.Integer(validate=validate.Range(min=1, max=1000), load_default=200)


class RegionRefSchema(BaseSchema):
    code = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)


class LineSchema(BaseSchema):
    id = fields.Integer(required=True)
    lot = fields.Integer(required=True, metadata={"description": "The line's number on the manifest, in route order."})
    product_id = fields.String(required=True)
    product_name = fields.String(required=True, allow_none=True)
    producer_id = fields.String(required=True)
    producer_name = fields.String(required=True, allow_none=True)
    village_code = fields.String(required=True)
    village_name = fields.String(required=True, allow_none=True)
    kecamatan_code = fields.String(required=True)
    kecamatan_name = fields.String(required=True, allow_none=True)
    hs_code = fields.String(required=True, allow_none=True)
    qty = fields.String(required=True, metadata={"description": "Package count: quantity in the product's unit."})
    unit = fields.String(required=True, allow_none=True)
    net_kg = fields.String(required=True)
    movement_id = fields.String(required=True, allow_none=True)


class TotalsSchema(BaseSchema):
    lines = fields.Integer(required=True)
    net_kg = fields.String(required=True)
    capacity_kg = fields.String(required=True)
    fill_percent = fields.String(required=True)
    qty_by_unit = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class SkippedSchema(BaseSchema):
    product_id = fields.String(required=True)
    product_name = fields.String(required=True, allow_none=True)
    village_code = fields.String(required=True, allow_none=True)
    reason = fields.String(
        required=True,
        metadata={"enum": ["no_unit_weight", "unknown_product", "not_approved", "outside_region", "wrong_category"]},
    )


class PlanHeaderSchema(BaseSchema):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["draft", "shipped", "cancelled"]})
    category = fields.String(required=True, allow_none=True)
    region = fields.Nested(RegionRefSchema, required=True)
    capacity_kg = fields.String(required=True)
    port = fields.String(required=True)
    date = fields.String(required=True)
    created_by = fields.String(required=True)
    created_by_name = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True)
    shipped_at = fields.String(required=True, allow_none=True)
    totals = fields.Nested(TotalsSchema, required=True)


class PlanSchema(PlanHeaderSchema):
    lines = fields.List(fields.Nested(LineSchema), required=True)


class ProposedPlanSchema(PlanSchema):
    skipped = fields.List(fields.Nested(SkippedSchema), required=True)
