using System.Reflection;

namespace SkillInference.Host.Dashboard;

/// <summary>
/// <c>/dashboard</c>: a static page, its script and the vendored chart library, embedded in the host. They carry no
/// data and are served without a credential; the page reads the monitoring API with the operator's API key (the
/// <c>operate</c> and <c>score</c> scopes), which the operator types in or passes in the URL fragment
/// (<c>/dashboard#key=...</c>: a fragment never reaches the server or its logs).
/// </summary>
internal static class DashboardEndpoints
{
    private static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/dashboard", "SkillInference.Host.Dashboard.dashboard.html", "text/html; charset=utf-8"),
        ("/dashboard/dashboard.js", "SkillInference.Host.Dashboard.dashboard.js", "text/javascript; charset=utf-8"),
        ("/dashboard/chart.umd.min.js", "SkillInference.Host.Dashboard.chart.umd.min.js", "text/javascript; charset=utf-8"),
    ];

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        foreach (var (path, resource, contentType) in Files)
        {
            var bytes = Read(resource);
            app.MapGet(path, (HttpContext context) =>
                {
                    context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:";
                    context.Response.Headers.XContentTypeOptions = "nosniff";
                    return Results.Bytes(bytes, contentType);
                })
                .AllowAnonymous()
                .ExcludeFromDescription();
        }

        return app;
    }

    private static byte[] Read(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The dashboard resource {resource} is missing from the host assembly.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
