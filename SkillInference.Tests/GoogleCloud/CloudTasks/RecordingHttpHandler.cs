using System.Net;

namespace SkillInference.Tests.GoogleCloud.CloudTasks;

/// <summary>An HTTP handler that records each request (with its body) and answers from a script of status codes.</summary>
internal sealed class RecordingHttpHandler(params HttpStatusCode[] script) : HttpMessageHandler
{
    private int _calls;

    public List<(HttpMethod Method, Uri Uri, string? Authorization, string? ContentType, string Body)> Requests { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((request.Method, request.RequestUri!, request.Headers.Authorization?.ToString(), request.Content?.Headers.ContentType?.MediaType, body));
        }

        var call = Interlocked.Increment(ref _calls) - 1;
        var status = script.Length == 0 ? HttpStatusCode.OK : script[Math.Min(call, script.Length - 1)];
        var json = (int)status < 300 ? "{\"name\":\"created\"}" : $"{{\"error\":{{\"code\":{(int)status},\"message\":\"scripted {(int)status}\",\"status\":\"X\"}}}}";
        return new HttpResponseMessage(status) { Content = new StringContent(json) };
    }
}
