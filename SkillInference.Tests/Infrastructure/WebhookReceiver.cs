using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SkillInference.Tests.Infrastructure;

/// <summary>
/// A real HTTP webhook receiver on 127.0.0.1 (Kestrel on a free port): keeps every JSON body posted to it, and answers
/// 503 to the first <see cref="FailFirst"/> posts (a receiver that is briefly down).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failuresLeft;

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>Every body received with a 2xx answer, in order.</summary>
    public ConcurrentQueue<JsonNode> Messages { get; } = new();

    /// <summary>Every post, answered or refused.</summary>
    public int Attempts => _attempts;

    private int _attempts;

    /// <summary>The URL to configure as the webhook.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>How many posts to refuse with 503 before accepting.</summary>
    public int FailFirst { set => _failuresLeft = value; }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext context) =>
        {
            Interlocked.Increment(ref receiver._attempts);
            var body = await JsonNode.ParseAsync(context.Request.Body);
            if (Interlocked.Decrement(ref receiver._failuresLeft) >= 0)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            receiver.Messages.Enqueue(body!);
            return Results.Ok();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/hook");
        return receiver;
    }

    /// <summary>Waits until at least <paramref name="count"/> messages arrived, then a little longer to catch extra ones.</summary>
    public async Task<JsonNode[]> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (Messages.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await Task.Delay(500);
        return [.. Messages];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
