using System.Diagnostics.Metrics;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SkillInference.Host.Configuration;
using SkillInference.Host.Dashboard;
using SkillInference.Host.Endpoints;
using SkillInference.Host.Health;
using SkillInference.Host.Limits;
using SkillInference.Host.Monitoring;
using SkillInference.Host.Security;
using SkillInference.Host.Problems;
using SkillInference.Monitoring;
using OpenTelemetry.Metrics;

namespace SkillInference.Host;

/// <summary>Wires the host: configuration, the inference service, problem details, health, OpenAPI, endpoints.</summary>
internal static class SkillInferenceHostExtensions
{
    public static WebApplicationBuilder AddSkillInferenceHost(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(SkillInferenceOptions.SectionName);
        builder.Services.Configure<SkillInferenceHostOptions>(section);
        var hostOptions = section.Get<SkillInferenceHostOptions>() ?? new SkillInferenceHostOptions();

        var skillInference = builder.Services.AddSkillInference(o => section.Bind(o));
        switch (hostOptions.Store.Kind.ToUpperInvariant())
        {
            case "FILESYSTEM":
                skillInference.UseFileSystemModelStore(Path.GetFullPath(hostOptions.Store.Path, Environment.CurrentDirectory));
                break;
            case "GCS":
                if (string.IsNullOrWhiteSpace(hostOptions.Store.Bucket))
                {
                    throw new InvalidOperationException("SkillInference:Store:Bucket is required when SkillInference:Store:Kind is Gcs (e.g. SkillInference__Store__Bucket=mass-production-ml-models, with SkillInference__Store__Prefix for a folder inside it).");
                }

                // The whole Store section binds, so the GCS retry settings (MaxRetryAttempts, AttemptTimeout, ...) can be set beside Bucket and Prefix.
                skillInference.UseGcsModelStore(section.GetSection("Store"));
                break;
            default:
                throw new InvalidOperationException($"SkillInference:Store:Kind '{hostOptions.Store.Kind}' is not supported; use FileSystem or Gcs.");
        }

        skillInference.AddOnnx();
        skillInference.AddStoreInitializer<SampleModelsInitializer>();
        skillInference.AddCacheFromConfiguration(section);
        // Data paths are relative to the working directory (the content root is the app's own folder: HostStartup).
        skillInference.AddBatchFromConfiguration(builder.Configuration, Environment.CurrentDirectory);
        builder.Services.AddMonitoringFromConfiguration(builder.Configuration);

        // Every endpoint but the health probes needs a credential with a scope; requests are limited per client.
        builder.AddSkillInferenceSecurity(Environment.CurrentDirectory);
        builder.Services.Configure<SkillInference.Rollouts.RolloutOptions>(section.GetSection("Rollouts"));
        builder.Services.AddOptions<LimitsOptions>().Bind(section.GetSection("Limits")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddClientRateLimits(hostOptions.Limits);

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.Id ?? c.HttpContext.TraceIdentifier;

            // Routing answers a wrong Content-Type with a bare 415; tell the caller what to send.
            if (c.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType)
            {
                c.ProblemDetails.Detail ??= "The request body must be JSON, sent with Content-Type: application/json.";
            }
        });
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();

        // Malformed JSON reaches the problem handler, which names the offending field from the JSON path.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.AllowDuplicateProperties = false;
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        builder.Services.AddHealthChecks()
            .AddCheck<ModelsHealthCheck>("models", tags: ["ready"])
            .AddCheck<CacheHealthCheck>("cache", tags: ["ready"]);
        builder.Services.AddOpenApi();

        // The SkillInference meter (predictions, latency, cache lookups and state, model loads) and ASP.NET Core's own
        // request metrics, scraped in Prometheus text format at /metrics. Tags never carry student ids or features.
        if (hostOptions.Metrics.Enabled)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
            {
                metrics.AddMeter(SkillInferenceMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                    .AddPrometheusExporter();
                if (metrics is IDeferredMeterProviderBuilder deferred)
                {
                    deferred.Configure((services, provider) => provider.AddView(OwnMetersOnly(services.GetRequiredService<IMeterFactory>())));
                }
            });
        }

        return builder;
    }

    public static WebApplication MapSkillInferenceHost(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        // Responses carry scores and operational data: no shared cache may keep them.
        app.Use((context, next) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return next(context);
        });
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        SecurityConfiguration.LogLocalKey(app);

        app.MapOpenApi().RequireAuthorization(Scopes.Metrics);
        app.MapSkillsApiV1();
        app.MapRolloutsApiV1();
        app.MapStudentsApiV1();
        app.MapFeedbackApiV1();
        app.MapMonitoringApiV1();
        app.MapDashboard();
        if (app.Services.GetRequiredService<IOptions<BatchHostOptions>>().Value.UsesCloudTasks)
        {
            app.MapTasksApiV1();
        }

        var metrics = app.Services.GetRequiredService<IOptions<SkillInferenceHostOptions>>().Value.Metrics;
        if (metrics.Enabled)
        {
            app.MapPrometheusScrapingEndpoint(metrics.Path).RequireAuthorization(Scopes.Metrics);
        }

        // The probes: open to anyone (Cloud Run's probes have no credential) and never rate limited.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponseWriter.WriteAsync })
            .AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = HealthResponseWriter.WriteAsync,
            ResultStatusCodes = { [HealthStatus.Healthy] = 200, [HealthStatus.Degraded] = 200, [HealthStatus.Unhealthy] = 503 },
        }).AllowAnonymous().DisableRateLimiting();
        return app;
    }

    /// <summary>
    /// OpenTelemetry subscribes to meters by name, process-wide: a second host (or service provider) in the same process
    /// would show its instruments in this host's scrape. Instruments of meters another factory made are dropped.
    /// </summary>
    private static Func<Instrument, MetricStreamConfiguration?> OwnMetersOnly(IMeterFactory own) =>
        instrument => instrument.Meter.Scope is IMeterFactory other && !ReferenceEquals(other, own) ? MetricStreamConfiguration.Drop : null;
}
