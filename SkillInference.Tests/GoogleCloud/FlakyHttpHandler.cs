using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace SkillInference.Tests.GoogleCloud;

/// <summary>
/// Sits in front of a real or fake Cloud Storage endpoint and injects the faults neither can produce on cue: error
/// answers (429, 503, ...), dropped connections, hung requests, answers lost after the request took effect, corrupted or
/// hash-less downloads. Faults queued with
/// <see cref="Enqueue"/> apply one per matching request; <see cref="Always"/> applies once the queue is empty.
/// </summary>
public sealed class FlakyHttpHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly ConcurrentQueue<Fault> _queue = new();
    private int _requests;
    private int _faulted;

    /// <summary>The fault for every matching request once the queue is empty; null passes them through.</summary>
    public Fault? Always { get; set; }

    /// <summary>Which requests faults apply to (all by default).</summary>
    public Func<HttpRequestMessage, bool> Applies { get; set; } = _ => true;

    public int Requests => Volatile.Read(ref _requests);

    public int Faulted => Volatile.Read(ref _faulted);

    /// <summary>Matches media downloads (<c>alt=media</c>).</summary>
    public static bool IsDownload(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get && request.RequestUri!.Query.Contains("alt=media", StringComparison.Ordinal);

    public void Enqueue(Fault fault, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _queue.Enqueue(fault);
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var fault = Applies(request) ? (_queue.TryDequeue(out var queued) ? queued : Always) : null;
        if (fault is null)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        Interlocked.Increment(ref _faulted);
        switch (fault.Kind)
        {
            case FaultKind.Status:
                var status = (int)fault.Status;
                return new HttpResponseMessage(fault.Status)
                {
                    Content = new StringContent($$$"""{"error":{"code":{{{status}}},"message":"injected by FlakyHttpHandler","errors":[{"message":"injected","domain":"global","reason":"backendError"}]}}""", Encoding.UTF8, "application/json"),
                };
            case FaultKind.Disconnect:
                throw new HttpRequestException("The connection was reset (injected by FlakyHttpHandler).");
            case FaultKind.Hang:
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                throw new InvalidOperationException("unreachable");
            case FaultKind.LoseAnswer:
                // The request reaches the server and takes effect; the client never hears back.
                (await base.SendAsync(request, cancellationToken)).Dispose();
                throw new HttpRequestException("The connection was reset after the request was sent (injected by FlakyHttpHandler).");
            default:
                var response = await base.SendAsync(request, cancellationToken);
                if (fault.Kind is FaultKind.StripHash or FaultKind.CorruptAndStripHash)
                {
                    response.Headers.Remove("x-goog-hash");
                }

                if (fault.Kind is FaultKind.Corrupt or FaultKind.CorruptAndStripHash)
                {
                    var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    if (body.Length > 0)
                    {
                        body[body.Length / 2] ^= 0x5A;
                    }

                    var corrupted = new ByteArrayContent(body);
                    foreach (var header in response.Content.Headers)
                    {
                        corrupted.Headers.TryAddWithoutValidation(header.Key, header.Value);
                    }

                    response.Content = corrupted;
                }

                return response;
        }
    }

    public enum FaultKind
    {
        Status,
        Disconnect,
        Hang,
        LoseAnswer,
        Corrupt,
        StripHash,
        CorruptAndStripHash,
    }

    public sealed record Fault(FaultKind Kind, HttpStatusCode Status = HttpStatusCode.OK)
    {
        public static Fault Answer(HttpStatusCode status) => new(FaultKind.Status, status);

        public static Fault Disconnect { get; } = new(FaultKind.Disconnect);

        public static Fault Hang { get; } = new(FaultKind.Hang);

        public static Fault LoseAnswer { get; } = new(FaultKind.LoseAnswer);

        public static Fault Corrupt { get; } = new(FaultKind.Corrupt);

        public static Fault StripHash { get; } = new(FaultKind.StripHash);

        public static Fault CorruptAndStripHash { get; } = new(FaultKind.CorruptAndStripHash);
    }
}
