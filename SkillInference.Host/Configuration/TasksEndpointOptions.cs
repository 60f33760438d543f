namespace SkillInference.Host.Configuration;

/// <summary>Caller verification of the Cloud Tasks target (<c>SkillInference:Batch:Tasks</c>).</summary>
public sealed class TasksEndpointOptions
{
    /// <summary>
    /// The audience the caller's OIDC token must carry (the URL the queue's tasks name as audience). Set: every call
    /// needs <c>Authorization: Bearer TOKEN</c>, a Google-signed ID token for this audience. Empty: no verification
    /// (only where the endpoint is not reachable from outside, e.g. Cloud Run with IAM invoker checks).
    /// </summary>
    /// <value>Defaults to empty.</value>
    public string Audience { get; set; } = "";

    /// <summary>When set, the token's email must be this service account (the queue's <c>oidcToken.serviceAccountEmail</c>).</summary>
    /// <value>Defaults to empty: any service account.</value>
    public string ServiceAccountEmail { get; set; } = "";
}
