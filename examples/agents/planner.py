"""Planner agent: `plan_trip` combines `weather_forecast` and `hotel_search`.

Both are injected by the mesh (resolved through the registry). Networking comes
from env: MCP_MESH_REGISTRY_URL, MCP_MESH_HTTP_PORT, HOST (bind),
MCP_MESH_HTTP_HOST (advertised). Run: python planner.py
"""

import mesh
from fastmcp import FastMCP

app = FastMCP("planner")


@app.tool()
@mesh.tool(
    capability="plan_trip",
    version="1.0.0",
    tags=["planner", "demo"],
    # dependencies[i] is injected into the i-th McpMeshTool parameter.
    dependencies=["weather_forecast", "hotel_search"],
)
async def plan_trip(
    city: str,
    weather: mesh.McpMeshTool | None = None,
    hotels: mesh.McpMeshTool | None = None,
) -> dict:
    """Plan a trip: fetch the forecast and hotels for a city, pick a hotel."""
    missing = [n for n, dep in (("weather_forecast", weather), ("hotel_search", hotels)) if dep is None]
    if missing:
        return {"city": city, "error": f"dependencies not available yet: {missing}"}

    forecast = await weather(city=city)
    found = await hotels(city=city)
    cheapest = min(found["hotels"], key=lambda h: h["price_per_night"])
    dry_days = [d["day"] for d in forecast["days"] if d["condition"] not in ("rain", "showers")]
    return {
        "city": city,
        "forecast": forecast["days"],
        "hotel": cheapest,
        "best_days": dry_days,
        "summary": f"{len(dry_days)} dry day(s) in {city}; stay at {cheapest['name']} "
        f"for {cheapest['price_per_night']}/night.",
    }


@mesh.agent(name="planner", version="1.0.0", description="Trip planner using weather + hotels", auto_run=True)
class PlannerAgent:
    pass
