namespace SkillInference.GoogleCloud.CloudTasks;

/// <summary>One shared HTTP client for the Cloud Tasks API, with pooled connections that are renewed (DNS changes).</summary>
internal static class CloudTasksHttp
{
    public static HttpClient Client { get; } = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
}
