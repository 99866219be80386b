# What a reader is sent by email (keys starting mail-), and the pages its links open (confirm-,
# unsubscribe-). Every key here must exist in every other locale too (a test checks).

## Both messages

mail-hello = Hello,
mail-hello-name = Hello { $name },
mail-reference = Your reference: { $reference }
mail-passage = The passage you reported:
mail-article = Article: { $url }
mail-status = Status of your report: { $url }
mail-status-link = Status of your report
mail-footer = Sent by Errata on behalf of the newsroom. You receive this because you asked to be told about this report.
mail-unsubscribe = No more mail about this report: { $url }
mail-unsubscribe-link = Unsubscribe

## The receipt

mail-received-subject = We received your report { $reference }
mail-received-thanks = Thank you for reporting a possible inaccuracy in “{ $title }”.
mail-received-next = Our editors will review it. You can follow its status at any time here:
mail-received-follow = Follow its status
mail-confirm-ask = To hear from us when it is resolved, confirm your email address:
mail-confirm-link = Confirm my address
mail-confirm-why = If you did not report this, ignore this message: unless the address is confirmed, we will not write to it again.

## The resolution

mail-resolved-subject = Your report { $reference } was resolved: { $outcome }
mail-resolved-intro = Your report { $reference } about “{ $title }” has been resolved.
mail-outcome = Outcome: { $outcome }
mail-read-note = Read it on the article
mail-thanks = Thank you for helping us get it right.

## The pages behind the links

confirm-title = Confirm your email address
confirm-explain = Press the button to confirm that we may email you when report { $reference } is resolved.
confirm-button = Confirm
confirm-done-title = Address confirmed
confirm-done = Thank you. We will email you when report { $reference } is resolved.
confirm-unsubscribed = You have unsubscribed from mail about report { $reference }, so no more mail will be sent about it.
unsubscribe-title = Stop mail about this report
unsubscribe-explain = Press the button and we will send no more mail about report { $reference }.
unsubscribe-button = Unsubscribe
unsubscribe-done-title = Unsubscribed
unsubscribe-done = We will send no more mail about report { $reference }.
unsubscribe-unknown-title = Link not valid
unsubscribe-unknown = This link does not match any report. Check that the whole link was copied.
