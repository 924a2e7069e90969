//! Amazon Resource Names: the one place an ARN is taken apart.

/// The parts of `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (the resource keeps any `:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`...
    pub partition: &'a str,
    /// The service, e.g. `sns`.
    pub service: &'a str,
    /// The region; empty for global resources.
    pub region: &'a str,
    /// The account id; empty for some resources (S3 buckets).
    pub account: &'a str,
    /// Everything after the account, e.g. `log-group:NAME:*`.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `arn`; `None` when it has fewer than six parts or does not start with `arn:`.
    pub fn parse(arn: &'a str) -> Option<Arn<'a>> {
        let mut it = arn.splitn(6, ':');
        if it.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: it.next()?,
            service: it.next()?,
            region: it.next()?,
            account: it.next()?,
            resource: it.next()?,
        })
    }

    /// The last `:`- or `/`-free segment of the resource: a topic's or function's name.
    pub fn name(&self) -> &'a str {
        self.resource.rsplit([':', '/']).next().unwrap_or(self.resource)
    }
}

#[cfg(test)]
mod tests;
