"""Hotels agent: provides the `hotel_search` capability with fake, deterministic data.

Networking comes from env: MCP_MESH_REGISTRY_URL, MCP_MESH_HTTP_PORT, HOST (bind),
MCP_MESH_HTTP_HOST (advertised). Run: python hotels.py
"""

import zlib

import mesh
from fastmcp import FastMCP

app = FastMCP("hotels")

NAMES = ["Grand", "Riverside", "Central", "Harbor", "Park", "Old Town"]


@app.tool()
@mesh.tool(capability="hotel_search", version="1.0.0", tags=["hotels", "demo"])
def search_hotels(city: str) -> dict:
    """Return three fake hotels for a city (same city -> same answer)."""
    seed = zlib.crc32(city.strip().lower().encode())
    hotels = [
        {
            "name": f"{NAMES[(seed + i) % len(NAMES)]} {city} Hotel",
            "stars": 3 + (seed >> i) % 3,
            "price_per_night": 80 + ((seed >> (i * 4)) % 12) * 10,
        }
        for i in range(3)
    ]
    return {"city": city, "hotels": hotels}


@mesh.agent(name="hotels", version="1.0.0", description="Fake hotel search", auto_run=True)
class HotelsAgent:
    pass
