//! [`Fault`]: what a fake server does instead of answering normally.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A misbehaviour for the fake servers to apply to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait, then answer normally.
    Delay(Duration),
    /// Accept the request and never answer.
    BlackHole,
    /// Answer with this status and an empty body.
    Status(u16),
    /// Answer with an STS-style XML error (`Code`, HTTP status).
    StsError {
        /// The error code (`Throttling`, `AccessDenied`…).
        code: String,
        /// The HTTP status.
        status: u16,
    },
    /// Answer with a rest-json error, as the IAM Identity Center portal, SSO OIDC and the
    /// sign-in service send them: `x-amzn-ErrorType: <code>` and a JSON body with `message`.
    JsonError {
        /// The error type (`TooManyRequestsException`, `InternalServerException`…).
        code: String,
        /// The HTTP status.
        status: u16,
    },
    /// Send the headers and part of the body, then break the connection.
    ResetMidBody,
    /// Declare a longer body than is sent, then close.
    Truncated,
    /// Answer 200 with a body of this many bytes.
    Oversized(usize),
    /// Answer 200 with a body that is not what the client expects (not JSON, not XML).
    Malformed,
}

/// What a fake server puts in the `Date` header of its answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateHeader {
    /// The fake's own clock (the system clock plus its clock offset), as a real service does.
    #[default]
    Clock,
    /// No `Date` header.
    Absent,
    /// A `Date` header that is not a date.
    Garbage,
}

/// A queue of faults, each applied to one request, in order, and a count of every request
/// that arrived (faulted or not); also the fake's `Date` header, which every answer carries
/// (faulted ones too).
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    queue: Mutex<VecDeque<Fault>>,
    received: AtomicUsize,
    date: Mutex<(DateHeader, Duration)>,
}

impl FaultQueue {
    pub(crate) fn push(&self, fault: Fault, times: usize) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..times {
            queue.push_back(fault.clone());
        }
    }

    /// Counts one arrived request and takes the fault to apply to it, if any.
    pub(crate) fn next(&self) -> Option<Fault> {
        self.received.fetch_add(1, Ordering::SeqCst);
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
    }

    pub(crate) fn clear(&self) {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Sets what the `Date` header says.
    pub(crate) fn set_date_header(&self, date: DateHeader) {
        self.date.lock().unwrap_or_else(|e| e.into_inner()).0 = date;
    }

    /// Moves the `Date` header's clock ahead of the system clock.
    pub(crate) fn set_clock_offset(&self, ahead: Duration) {
        self.date.lock().unwrap_or_else(|e| e.into_inner()).1 = ahead;
    }

    /// The `Date` header value to send, if any.
    pub(crate) fn date_header(&self) -> Option<http::HeaderValue> {
        let (date, ahead) = *self.date.lock().unwrap_or_else(|e| e.into_inner());
        match date {
            DateHeader::Clock => {
                let now = crate::server::fake_now(ahead);
                http::HeaderValue::from_str(&httpdate::fmt_http_date(now)).ok()
            }
            DateHeader::Absent => None,
            DateHeader::Garbage => Some(http::HeaderValue::from_static("the day after yesterday")),
        }
    }

    /// Every request that arrived, faulted ones included.
    pub(crate) fn received(&self) -> usize {
        self.received.load(Ordering::SeqCst)
    }
}
