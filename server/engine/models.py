"""The database schema: accounts, regions and the synced records."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.orm import column_property

from ..extensions import db

UUID = String(36)


class Region(db.Model):
    """A Kemendagri region: province, kabupaten/kota, kecamatan or desa."""

    __tablename__ = "regions"
    code = Column(String(13), primary_key=True)
    parent_code = Column(String(13), index=True)
    level = Column(SmallInteger, nullable=False)
    name = Column(String(200), nullable=False)


class User(db.Model):
    """An account: producer, facilitator, hub or admin, scoped to regions."""

    __tablename__ = "users"
    id = Column(UUID, primary_key=True)
    phone = Column(String(20), unique=True, nullable=False)
    pin_hash = Column(String(200), nullable=False)
    name = Column(String(200), nullable=False)
    role = Column(String(20), nullable=False)
    # Bumped whenever the account's regions change: pull cursors of an older
    # scope answer with reset.
    scope_version = Column(Integer, nullable=False, default=1)
    # A hub's own public key, as a JWK (JSON text): tokens it signs name its account id as kid.
    public_key = Column(Text)
    created_by = Column(UUID)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)


class UserRegion(db.Model):
    """One region code an account is assigned to."""

    __tablename__ = "user_regions"
    user_id = Column(UUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    region_code = Column(String(13), primary_key=True, index=True)


class Device(db.Model):
    """A login of an account on one device; revoking it stops its tokens."""

    __tablename__ = "devices"
    id = Column(UUID, primary_key=True)
    device_id = Column(UUID, nullable=False)
    user_id = Column(UUID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    user_agent = Column(String(300))
    created_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False)
    last_sync_at = Column(DateTime)
    revoked_at = Column(DateTime)
    __table_args__ = (Index("ix_devices_device_user", "device_id", "user_id", unique=True),)


class LoginAttempt(db.Model):
    """A failed login, counted for the lockouts per phone and per address."""

    __tablename__ = "login_attempts"
    id = Column(Integer, primary_key=True, autoincrement=True)
    phone = Column(String(20), nullable=False)
    address = Column(String(64), nullable=False)
    at = Column(DateTime, nullable=False)
    __table_args__ = (
        Index("ix_login_attempts_phone_at", "phone", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )


class SyncState(db.Model):
    """The single row that orders every write: change-feed sequence and server clock."""

    __tablename__ = "sync_state"
    id = Column(Integer, primary_key=True)
    seq = Column(BigInteger, nullable=False, default=0)
    hlc = Column(String(80), nullable=False, default="")


class Producer(db.Model):
    """A producer record (person, group, UKM, BUMDes or koperasi)."""

    __tablename__ = "producers"
    id = Column(UUID, primary_key=True)
    name = Column(String(200))
    village_code = Column(String(13), nullable=False)
    kind = Column(String(20))
    phone = Column(String(20), index=True)
    nib = Column(String(20))
    created_by = Column(UUID, index=True)
    deleted = Column(Boolean, nullable=False, default=False)
    hlcs = Column(JSON, nullable=False)
    seq = Column(BigInteger, nullable=False, unique=True)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    __table_args__ = (Index("ix_producers_village_seq", "village_code", "seq"),)


class Product(db.Model):
    """A product of a producer. Its running stock on hand is kept in ProductStock."""

    __tablename__ = "products"
    id = Column(UUID, primary_key=True)
    producer_id = Column(UUID, nullable=False)
    village_code = Column(String(13), nullable=False)
    name = Column(String(200))
    category = Column(String(30))
    description = Column(Text)
    unit = Column(String(10))
    unit_weight_g = Column(BigInteger)  # unit_weight_kg in grams: exact
    price_idr = Column(BigInteger)
    hs_code = Column(String(12))
    certifications = Column(JSON)
    photos = Column(JSON)
    status = Column(String(20), nullable=False, default="draft")
    created_by = Column(UUID)
    deleted = Column(Boolean, nullable=False, default=False)
    hlcs = Column(JSON, nullable=False)
    seq = Column(BigInteger, nullable=False, unique=True)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    __table_args__ = (
        Index("ix_products_producer_seq", "producer_id", "seq"),
        Index("ix_products_village_seq", "village_code", "seq"),
        Index("ix_products_status_village", "status", "village_code"),
        Index("ix_products_status_seq", "status", "seq"),
    )


class ProductStock(db.Model):
    """A product's running stock on hand, kept in the transaction of each movement.

    A table of its own, narrow: a push of 1,000 movements changes the totals of hundreds of
    products, and kept on their wide rows (names, descriptions, per-field clocks) each push
    would rewrite those whole rows.
    """

    __tablename__ = "product_stock"
    product_id = Column(UUID, ForeignKey("products.id"), primary_key=True)
    stock_milli = Column(BigInteger, nullable=False)  # qty in thousandths: exact
    __table_args__ = {"sqlite_with_rowid": False}  # the product's id is the key, stored once


# Read as a column of Product (0 before the first movement), so that every query of products
# can select, filter and sum it as before.
Product.stock_milli = column_property(
    func.coalesce(select(ProductStock.stock_milli).where(ProductStock.product_id == Product.id).scalar_subquery(), 0)
)


class StockMovement(db.Model):
    """An immutable stock movement; stock on hand is the sum of these."""

    __tablename__ = "stock_movements"
    # The change-feed position is the key: on SQLite the table itself is then ordered by it
    # (rowid), so a push appends, and a pull reads in order. A movement never changes, but
    # gets a new position when its producer moves desa.
    seq = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    id = Column(UUID, nullable=False, unique=True)
    product_id = Column(UUID, nullable=False)  # found through its producer's index
    producer_id = Column(UUID, nullable=False)
    village_code = Column(String(13), nullable=False)
    qty_milli = Column(BigInteger, nullable=False)  # qty in thousandths: exact
    kind = Column(String(20), nullable=False)
    occurred_at = Column(DateTime, nullable=False)
    note = Column(String(1000))
    hlc = Column(String(80), nullable=False)
    created_by = Column(UUID)
    created_at = Column(DateTime, nullable=False)
    __table_args__ = (
        Index("ix_stock_movements_producer_seq", "producer_id", "seq"),
        Index("ix_stock_movements_village_seq", "village_code", "seq"),
    )


class Review(db.Model):
    """An admin's decision on a product."""

    __tablename__ = "reviews"
    id = Column(UUID, primary_key=True)
    product_id = Column(UUID, nullable=False, index=True)
    producer_id = Column(UUID, nullable=False)
    village_code = Column(String(13), nullable=False)
    decision = Column(String(20), nullable=False)
    note = Column(String(1000))
    reviewer_id = Column(UUID, nullable=False)
    at = Column(DateTime, nullable=False)
    hlc = Column(String(80), nullable=False)
    seq = Column(BigInteger, nullable=False, unique=True)
    __table_args__ = (
        Index("ix_reviews_producer_seq", "producer_id", "seq"),
        Index("ix_reviews_village_seq", "village_code", "seq"),
    )


class AppliedOp(db.Model):
    """An op applied once: its op_id answers duplicate forever after."""

    __tablename__ = "applied_ops"
    __table_args__ = {"sqlite_with_rowid": False}  # the op id is the key: one b-tree, not two
    op_id = Column(UUID, primary_key=True)
    entity_id = Column(UUID, nullable=False)
    hlc = Column(String(80), nullable=False)  # as applied: re-stamped when it ran ahead
    user_id = Column(UUID)
    applied_at = Column(DateTime, nullable=False)


class Conflict(db.Model):
    """An incoming value that lost to a later one, or an edit of a deleted record."""

    __tablename__ = "conflicts"
    id = Column(Integer, primary_key=True, autoincrement=True)
    entity = Column(String(20), nullable=False)
    entity_id = Column(UUID, nullable=False, index=True)
    op_id = Column(UUID, nullable=False)
    reason = Column(String(20), nullable=False)  # lost_to_later | deleted
    field = Column(String(40))
    value = Column(JSON)
    hlc = Column(String(80), nullable=False)
    winning_hlc = Column(String(80))
    user_id = Column(UUID)
    device_id = Column(UUID)
    created_at = Column(DateTime, nullable=False)


class Blob(db.Model):
    """A content-addressed photo, stored on disk by its sha256."""

    __tablename__ = "blobs"
    sha256 = Column(String(64), primary_key=True)
    mime = Column(String(20), nullable=False)
    size = Column(Integer, nullable=False)
    width = Column(Integer)
    height = Column(Integer)
    created_by = Column(UUID)
    created_at = Column(DateTime, nullable=False)


class FeaturedProduct(db.Model):
    """An approved product an admin features as a "produk unggulan" of its desa."""

    __tablename__ = "featured_products"
    product_id = Column(UUID, primary_key=True)
    village_code = Column(String(13), nullable=False, index=True)
    featured_by = Column(UUID, nullable=False)
    featured_at = Column(DateTime, nullable=False)


class ConsolidationPlan(db.Model):
    """A pickup plan: stock of one commodity from many producers, into one load for a port."""

    __tablename__ = "consolidation_plans"
    id = Column(UUID, primary_key=True)
    category = Column(String(30))
    region_code = Column(String(13), nullable=False, index=True)
    capacity_g = Column(BigInteger, nullable=False)  # 3,000 kg by default
    port = Column(String(200), nullable=False)
    pickup_date = Column(String(10), nullable=False)  # YYYY-MM-DD
    status = Column(String(20), nullable=False, default="draft")  # draft | shipped | cancelled
    created_by = Column(UUID, nullable=False)
    created_at = Column(DateTime, nullable=False)
    shipped_at = Column(DateTime)


class ConsolidationLine(db.Model):
    """A lot in a plan: part or all of one product's stock; it holds that quantity from other plans."""

    __tablename__ = "consolidation_lines"
    id = Column(Integer, primary_key=True, autoincrement=True)
    plan_id = Column(UUID, ForeignKey("consolidation_plans.id", ondelete="CASCADE"), nullable=False, index=True)
    product_id = Column(UUID, nullable=False, index=True)
    qty_milli = Column(BigInteger, nullable=False)  # in the product's unit
    net_g = Column(BigInteger, nullable=False)  # qty times the unit weight
    movement_id = Column(UUID)  # the shipment movement, once shipped


class RelayOp(db.Model):
    """An op a hub took from a device and relays upstream: what it was, who made it, what upstream answered."""

    __tablename__ = "relay_ops"
    seq = Column(Integer, primary_key=True, autoincrement=True)  # the order ops go upstream in
    op_id = Column(UUID, nullable=False, unique=True)
    op = Column(JSON, nullable=False)  # as the device sent it, with the HLC the hub stamped it with
    user_id = Column(UUID, nullable=False)
    device_id = Column(UUID)
    received_at = Column(DateTime, nullable=False)
    answered_at = Column(DateTime)  # null while upstream has not answered it
    status = Column(String(20))  # upstream's answer: applied, duplicate or rejected
    error = Column(JSON)
    __table_args__ = (Index("ix_relay_ops_answered_seq", "answered_at", "seq"),)


class HubState(db.Model):
    """What a hub remembers of upstream between cycles, by name: its device id there, its cursor, when it reached it."""

    __tablename__ = "hub_state"
    name = Column(String(40), primary_key=True)
    value = Column(JSON)


class ClaimCode(db.Model):
    """A one-time code a facilitator gives a producer at a hub, to enrol the producer's own phone (hubs only)."""

    __tablename__ = "claim_codes"
    code_hash = Column(String(64), primary_key=True)  # SHA-256 of the code: the hub never keeps the code
    user_id = Column(UUID, nullable=False)  # the producer the code enrols a phone for
    issued_by = Column(UUID, nullable=False)
    expires_at = Column(DateTime, nullable=False)
    claimed_at = Column(DateTime)  # null until a phone used it; a code is used once
