// Selections more than one view asks for, declared once. Codegen adds each fragment's text to
// the operations that spread it, so a view still loads with one request, and a field renamed
// in the API fails the build here, for every view at once.
import { graphql } from "./gql";

/** The facts that identify a customer and size the account: the head of its page, and one
 * side of a merge. */
export const CustomerProfileFragment = graphql(`
  fragment CustomerProfile on Customer {
    id
    version
    externalId
    kind
    name
    email
    phone
    lifecycleStage
    leadSource
    maskedFields
    address {
      city
      country
    }
    company {
      id
      name
    }
    accountManager {
      id
      name
    }
    orderCount
    totalSpent
    lastOrderAt
  }
`);

/** The facts that identify a contact: the head of its page, and one side of a merge. */
export const ContactProfileFragment = graphql(`
  fragment ContactProfile on Contact {
    id
    version
    fullName
    email
    phone
    maskedFields
    address {
      city
      country
    }
  }
`);
