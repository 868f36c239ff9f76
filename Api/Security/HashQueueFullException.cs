namespace Api.Security;

/// <summary>
/// So many password hashes are waiting for a core that one more would only wait longer than a client
/// does: the request is answered 503 with Retry-After at once, and the queue keeps moving for the rest.
/// </summary>
public sealed class HashQueueFullException() : Exception("The password hashing queue is full.");
