"""API exposure: routes that touch data with no authentication check (Express, Next.js,
FastAPI, Flask), counted and listed, and CORS that allows any origin with credentials."""

from __future__ import annotations

from apps.scans.engine import Severity, Status

ROUTES = "api.routes-without-auth"
CORS = "api.cors-any-origin-with-credentials"

EXPRESS = """const express = require('express');
const app = express();
app.get('/health', (req, res) => res.json({ ok: true }));
app.get('/api/users', async (req, res) => {
  const users = await prisma.user.findMany();
  res.json(users);
});
app.post('/api/orders', requireAuth, async (req, res) => {
  res.json(await prisma.order.create({ data: req.body }));
});
app.delete('/api/orders/:id', async (req, res) => {
  await db.query('delete from orders where id = $1', [req.params.id]);
  res.sendStatus(204);
});
app.post('/api/stripe/webhook', async (req, res) => {
  const event = stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'], s);
  await prisma.payment.create({ data: { id: event.id } });
});
"""


def test_express_routes_without_auth_are_counted_and_listed(rule):
    result = rule(ROUTES, {"server/index.js": EXPRESS})
    assert result.status is Status.FAILED
    assert result.summary.startswith("2 of 4 routes that touch data")
    listed = {f.message.split(" reads")[0]: f for f in result.findings}
    assert set(listed) == {"GET /api/users", "DELETE /api/orders/:id"}
    assert listed["DELETE /api/orders/:id"].severity is Severity.HIGH
    assert listed["GET /api/users"].severity is Severity.MEDIUM
    assert listed["GET /api/users"].line == 4
    assert "prisma.user.findMany(" in listed["GET /api/users"].reason
    assert result.checklist_keys == ("security.jwt-verification",)


def test_express_auth_middleware_applied_to_the_app_passes(rule):
    code = EXPRESS.replace(
        "const app = express();\n", "const app = express();\napp.use(authenticate);\n"
    )
    result = rule(ROUTES, {"server/index.js": code})
    assert result.status is Status.PASSED, result.findings


NEXT_ROUTE = """import { prisma } from '@/lib/db';
export async function GET() {
  return Response.json(await prisma.invoice.findMany());
}
export async function POST(req: Request) {
  const session = await getServerSession(authOptions);
  if (!session) return new Response('no', { status: 401 });
  return Response.json(await prisma.invoice.create({ data: await req.json() }));
}
"""


def test_next_route_handlers_and_pages_api(rule):
    files = {
        "app/(dashboard)/api/invoices/route.ts": NEXT_ROUTE,
        "pages/api/customers/index.ts": (
            "export default async function handler(req, res) {\n"
            "  if (req.method === 'POST') {\n"
            "    await supabase.from('customers').insert(req.body);\n  }\n  res.end();\n}\n"
        ),
    }
    result = rule(ROUTES, files)
    assert sorted(f.message.split(" reads")[0] for f in result.findings) == [
        "GET /api/invoices",
        "POST /api/customers",
    ]
    assert "Next.js middleware" in result.findings[0].reason


def test_next_middleware_matcher_covers_the_path(rule):
    middleware = (
        "import { clerkMiddleware } from '@clerk/nextjs/server';\n"
        "export default clerkMiddleware();\n"
        "export const config = { matcher: ['/api/:path*'] };\n"
    )
    files = {"app/api/invoices/route.ts": NEXT_ROUTE, "middleware.ts": middleware}
    assert rule(ROUTES, files).status is Status.PASSED
    elsewhere = middleware.replace("/api/:path*", "/dashboard/:path*")
    files = {"app/api/invoices/route.ts": NEXT_ROUTE, "middleware.ts": elsewhere}
    assert rule(ROUTES, files).status is Status.FAILED


def test_fastapi_and_flask_routes(rule):
    fastapi = (
        "from fastapi import FastAPI, Depends\napp = FastAPI()\n\n"
        '@app.get("/items")\ndef items(db=Depends(get_db)):\n    return db.query(Item).all()\n\n'
        '@app.post("/items")\n'
        "def add(item: ItemIn, user=Depends(get_current_user), db=Depends(get_db)):\n"
        "    db.add(Item(**item.dict()))\n\n"
        '@app.get("/healthz")\ndef health(db=Depends(get_db)):\n    return db.execute("select 1")\n'
    )
    flask = (
        "from flask import Flask\napp = Flask(__name__)\n\n"
        '@app.route("/notes", methods=["POST", "DELETE"])\ndef notes():\n'
        "    cursor.execute('delete from notes')\n\n"
        '@app.route("/mine")\n@login_required\ndef mine():\n    return Note.query.filter_by(u=1)\n'
    )
    result = rule(ROUTES, {"api/main.py": fastapi, "web/app.py": flask})
    assert sorted(f.message.split(" reads")[0] for f in result.findings) == [
        "GET /items",
        "POST/DELETE /notes",
    ]
    assert "3 routes" not in result.summary
    assert result.summary.startswith("2 of 4")


def test_routes_that_touch_no_data_are_not_applicable(rule):
    code = "app.get('/api/time', (req, res) => res.json({ now: Date.now() }));\n"
    assert rule(ROUTES, {"server.js": code}).status is Status.NOT_APPLICABLE


# --- api.cors-any-origin-with-credentials -----------------------------------------------


def test_cors_any_origin_with_credentials_fails(rule):
    files = {
        "server/app.js": "app.use(cors({ origin: true, credentials: true }));\n",
        "api/main.py": (
            "app.add_middleware(\n    CORSMiddleware,\n    allow_origins=['*'],\n"
            "    allow_credentials=True,\n)\n"
        ),
        "supabase/functions/chat/index.ts": (
            "const headers = {\n  'Access-Control-Allow-Origin': req.headers.get('origin'),\n"
            "  'Access-Control-Allow-Credentials': 'true',\n};\n"
        ),
    }
    result = rule(CORS, files)
    assert result.status is Status.FAILED
    assert sorted((f.path, f.line) for f in result.findings) == [
        ("api/main.py", 2),
        ("server/app.js", 1),
        ("supabase/functions/chat/index.ts", 2),
    ]
    assert all(f.reason for f in result.findings)
    assert result.checklist_keys == ("security.security-headers",)


def test_cors_with_a_fixed_origin_or_without_credentials_passes(rule):
    files = {
        "server/app.js": (
            "app.use(cors({ origin: 'https://app.example.com', credentials: true }));\n"
        ),
        "supabase/functions/chat/index.ts": "const h = { 'Access-Control-Allow-Origin': '*' };\n",
        "api/main.py": "app.add_middleware(CORSMiddleware, allow_origins=['*'])\n",
    }
    assert rule(CORS, files).status is Status.PASSED


def test_no_cors_is_not_applicable(rule):
    assert rule(CORS, {"index.js": "console.log(1)\n"}).status is Status.NOT_APPLICABLE
