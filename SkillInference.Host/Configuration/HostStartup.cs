using System.Globalization;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration.Memory;

namespace SkillInference.Host.Configuration;

/// <summary>
/// How the host starts wherever it is started from: its own folder as the content root (so it reads its own
/// appsettings.json), quiet defaults for request logging, <c>PORT</c> as the listen port (Cloud Run), and a shutdown
/// that fits Cloud Run's 10 s between SIGTERM and SIGKILL: requests in flight finish first (<see cref="InFlightRequestDrain"/>). Data paths (the folder store, the SQLite file) stay
/// relative to the working directory, as documented.
/// </summary>
internal static class HostStartup
{
    /// <summary>The environment variable Cloud Run (and other container platforms) set to the port to listen on.</summary>
    public const string PortVariable = "PORT";

    /// <summary>Defaults that any configuration source overrides (appsettings.json, environment, command line).</summary>
    internal static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        // Without these, a missing or unread appsettings.json means one Information line per request and endpoint.
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        // In-flight requests get this long to finish after SIGTERM; Cloud Run kills the container 10 s after it.
        ["shutdownTimeoutSeconds"] = "8",
    };

    /// <summary>The builder options: the app's base directory as content root unless one is given.</summary>
    public static WebApplicationOptions Options(string[] args) => new()
    {
        Args = args,
        ContentRootPath = ContentRootGiven(args) ? null : AppContext.BaseDirectory,
    };

    /// <summary>Applies the defaults and the <c>PORT</c> rule to a builder.</summary>
    /// <exception cref="InvalidOperationException"><c>PORT</c> is not a TCP port number.</exception>
    public static WebApplicationBuilder UseHostDefaults(this WebApplicationBuilder builder)
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
        builder.Services.AddSingleton<InFlightRequestDrain>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InFlightRequestDrain>());
        builder.Services.AddSingleton<IStartupFilter>(sp => sp.GetRequiredService<InFlightRequestDrain>());

        // Kestrel's buffers in 64 KB blocks: a batch body arrives in a few large socket reads instead of hundreds of small ones.
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();

        // PORT is the listen port unless --urls (or ASPNETCORE_URLS) says otherwise; it wins over the official images'
        // ASPNETCORE_HTTP_PORTS. All interfaces: in a container the platform's proxy connects from outside.
        var port = builder.Configuration[PortVariable];
        if (!string.IsNullOrWhiteSpace(port) && string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            {
                throw new InvalidOperationException($"{PortVariable} '{port}' is not a TCP port number (1-65535).");
            }

            builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://0.0.0.0:{number}"));
        }

        return builder;
    }

    private static bool ContentRootGiven(string[] args) =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"))
        || args.Any(a => a.TrimStart('-', '/').StartsWith(HostDefaults.ContentRootKey, StringComparison.OrdinalIgnoreCase));
}
