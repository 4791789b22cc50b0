"""Weather agent: provides the `weather_forecast` capability with fake, deterministic data.

Networking comes from env: MCP_MESH_REGISTRY_URL, MCP_MESH_HTTP_PORT, HOST (bind),
MCP_MESH_HTTP_HOST (advertised). Run: python weather.py
"""

import zlib

import mesh
from fastmcp import FastMCP

app = FastMCP("weather")

CONDITIONS = ["sunny", "cloudy", "rain", "windy", "showers"]


@app.tool()
@mesh.tool(capability="weather_forecast", version="1.0.0", tags=["weather", "demo"])
def get_forecast(city: str) -> dict:
    """Return a 3-day fake forecast for a city (same city -> same answer)."""
    seed = zlib.crc32(city.strip().lower().encode())
    days = [
        {
            "day": i + 1,
            "condition": CONDITIONS[(seed >> (i * 3)) % len(CONDITIONS)],
            "high_c": 10 + (seed >> (i * 5)) % 20,
        }
        for i in range(3)
    ]
    return {"city": city, "days": days}


@mesh.agent(name="weather", version="1.0.0", description="Fake weather forecasts", auto_run=True)
class WeatherAgent:
    pass
